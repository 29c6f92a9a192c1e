//! Address spaces: one P4 table per process, sharing the kernel half.
//!
//! Every P4 has the same entries 256–511, pointing at the same P3 tables, so a kernel mapping
//! made in any space appears in all of them. That holds only if no kernel P4 entry is ever
//! added after a space was copied, so [`init`] gives every empty kernel slot a P3 table up
//! front. Entry 510 is the exception: each P4's recursive entry points at that P4 itself, so
//! the recursive mapping ([`super::paging`]) always shows the *current* space's tables. A new
//! space's P4 is written through a scratch window ([`SCRATCH`]) before it is ever loaded.
//!
//! The user half (entries 0–255) belongs to the process (all its threads run on the same P4).
//! Frames may be shared with other processes since a `fork` (copy-on-write, or writable in a
//! `MAP_SHARED` area), counted in [`SHARES`]; [`AddressSpace::teardown`] frees every table and
//! gives up every frame it finds there.

use super::frames;
use super::layout::{KERNEL_STACK_SLOT_SIZE, KERNEL_STACKS_START};
use super::paging::index::{self, ENTRIES, Level, RECURSIVE_INDEX, table_address};
use super::paging::present::PresentSlots;
use super::paging::{MapError, PAGE_TABLES, effective_flags};
use crate::arch::cpu;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::structures::paging::{Page, PageTable, PageTableFlags as Flags, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

/// One page, far above the kernel stacks in their slot, where a new P4 is mapped while the
/// kernel fills it in.
const SCRATCH: u64 = KERNEL_STACKS_START + (1 << 38);
/// The page `fork` copies a child's frames through.
const COPY_SCRATCH: u64 = SCRATCH + 0x1000;
const _: () = assert!(KERNEL_STACK_SLOT_SIZE * 4096 < (1 << 38));

/// The kernel's own P4 (the one memory::init built): kernel threads run on it.
static KERNEL_P4: AtomicU64 = AtomicU64::new(0);

/// Records the kernel's P4 and gives every empty kernel-half slot a P3 table (see the module
/// docs). Call once, after memory::init, before any address space is made.
pub fn init() -> Result<(), MapError> {
    let (p4_frame, _) = cpu::page_table_root();
    KERNEL_P4.store(p4_frame.start_address().as_u64(), Ordering::SeqCst);
    let _tables = PAGE_TABLES.lock();
    // SAFETY: the P4 is always mapped through the recursive entry; the page-table lock is held.
    let p4 = unsafe { &mut *(table_address(Level::P4, 0) as *mut PageTable) };
    let mut added = 0;
    for slot in ENTRIES / 2..ENTRIES {
        if slot == RECURSIVE_INDEX || p4[slot as usize].flags().contains(Flags::PRESENT) {
            continue;
        }
        let frame = frames::allocate().ok_or(MapError::OutOfFrames)?;
        p4[slot as usize].set_frame(frame, Flags::PRESENT | Flags::WRITABLE);
        let p3_addr = table_address(Level::P3, index::address_of(slot, 0, 0, 0));
        cpu::flush_tlb_page(VirtAddr::new(p3_addr));
        // SAFETY: the entry just set makes the P3 visible at its recursive address.
        unsafe { &mut *(p3_addr as *mut PageTable) }.zero();
        added += 1;
    }
    log::debug!("address spaces: {added} kernel P3 tables made up front");
    Ok(())
}

/// The kernel's own P4, for kernel threads.
pub fn kernel_p4() -> PhysFrame {
    PhysFrame::containing_address(PhysAddr::new(KERNEL_P4.load(Ordering::SeqCst)))
}

/// Switches to the P4 `root` (a kernel thread's or a process's).
///
/// # Safety
/// `root` must come from [`kernel_p4`] or a live [`AddressSpace`].
pub unsafe fn activate(root: PhysFrame) {
    let (current, flags) = cpu::page_table_root();
    if current != root {
        // SAFETY: every such P4 maps the whole kernel half identically (module docs).
        unsafe { cpu::set_page_table_root(root, flags) };
    }
}

/// A process's page tables. Dropping it without [`AddressSpace::teardown`] leaks its frames.
#[derive(Debug)]
pub struct AddressSpace {
    p4: PhysFrame,
}

impl AddressSpace {
    /// A P4 with the kernel half and an empty user half.
    pub fn new() -> Result<Self, MapError> {
        let frame = frames::allocate().ok_or(MapError::OutOfFrames)?;
        let mut tables = PAGE_TABLES.lock();
        let scratch = Page::containing_address(VirtAddr::new(SCRATCH));
        let data = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
        if let Err(err) = tables.map_to(scratch, frame, data, &mut frames::GlobalFrames) {
            drop(tables);
            let _ = frames::deallocate(frame);
            return Err(err);
        }
        // SAFETY: the current P4 is mapped through the recursive entry, the new one at the
        // scratch page; they are different frames; the page-table lock is held.
        let (current, new) = unsafe {
            (
                &*(table_address(Level::P4, 0) as *const PageTable),
                &mut *(SCRATCH as *mut PageTable),
            )
        };
        new.zero();
        for slot in ENTRIES / 2..ENTRIES {
            new[slot as usize] = current[slot as usize].clone();
        }
        new[RECURSIVE_INDEX as usize].set_frame(frame, Flags::PRESENT | Flags::WRITABLE);
        tables
            .unmap(scratch)
            .expect("the scratch page was just mapped");
        Ok(AddressSpace { p4: frame })
    }

    pub fn root(&self) -> PhysFrame {
        self.p4
    }

    /// Frees a space that was never given a user page (a spawn that failed before its thread
    /// ran): only the P4 frame is its own.
    pub fn discard_unused(self) {
        free(self.p4.start_address());
    }

    /// Frees every user page, every user page table and the P4. Must run with this space
    /// active and interrupts off; leaves the kernel's P4 active.
    pub fn teardown(self) {
        self.clear_user_half();
        // SAFETY: the kernel's P4 maps the kernel half like this one.
        unsafe { activate(kernel_p4()) };
        free(self.p4.start_address());
    }

    /// Frees every user page and user page table, leaving an empty user half (`execve`).
    /// Must run with this space active and interrupts off.
    pub fn clear_user_half(&self) {
        assert_eq!(
            cpu::page_table_root().0,
            self.p4,
            "clearing an inactive space"
        );
        let _tables = PAGE_TABLES.lock();
        // SAFETY: the P4 is always mapped through its recursive entry; the lock is held.
        let user_p4 = unsafe { present_slots(table_address(Level::P4, 0), ENTRIES / 2) };
        for i4 in user_p4 {
            let i4 = i4 as u64;
            // SAFETY: P4 entry i4 is present, so its P3 is visible; the lock is held.
            let p3s = unsafe {
                present_slots(
                    table_address(Level::P3, index::address_of(i4, 0, 0, 0)),
                    ENTRIES,
                )
            };
            for i3 in p3s {
                let i3 = i3 as u64;
                // SAFETY: P3 entry i3 is present (and a user table: no huge pages are ever
                // mapped in the user half), so its P2 is visible.
                let p2s = unsafe {
                    present_slots(
                        table_address(Level::P2, index::address_of(i4, i3, 0, 0)),
                        ENTRIES,
                    )
                };
                for i2 in p2s {
                    let i2 = i2 as u64;
                    let leaf_table = table_address(Level::P1, index::address_of(i4, i3, i2, 0));
                    // SAFETY: P2 entry i2 is present and not huge, so its P1 is visible.
                    let leaves = unsafe { present_slots(leaf_table, ENTRIES) };
                    // SAFETY: as above; no other reference to this P1 is live.
                    let p1 = unsafe { &mut *(leaf_table as *mut PageTable) };
                    for i1 in leaves {
                        release_user_frame(p1[i1].addr());
                        p1[i1].set_unused();
                    }
                    // SAFETY: P3 entry i3 is present, so this P2 is visible.
                    let p2 = unsafe { table_at(Level::P2, index::address_of(i4, i3, i2, 0)) };
                    free(p2[i2 as usize].addr());
                    p2[i2 as usize].set_unused();
                }
                // SAFETY: P4 entry i4 is present, so this P3 is visible.
                let p3 = unsafe { table_at(Level::P3, index::address_of(i4, i3, 0, 0)) };
                free(p3[i3 as usize].addr());
                p3[i3 as usize].set_unused();
            }
            // SAFETY: the P4 is always mapped through its recursive entry.
            let p4 = unsafe { &mut *(table_address(Level::P4, 0) as *mut PageTable) };
            free(p4[i4 as usize].addr());
            p4[i4 as usize].set_unused();
        }
        cpu::flush_tlb_all();
    }
}

/// The present entries among the first `count` of the table mapped at `table`.
///
/// # Safety
/// `table` must be a page table's mapped address (the tables above present), with the
/// page-table lock held and no `&mut` to that table live.
unsafe fn present_slots(table: u64, count: u64) -> PresentSlots {
    // SAFETY: a page table is 512 `u64` entries (`PageTable` is `repr(C)` around
    // `[PageTableEntry; 512]`, an entry `repr(transparent)` around `u64`); the slice lives
    // only for the scan, and nobody writes the table meanwhile (the caller holds the lock).
    let entries = unsafe { core::slice::from_raw_parts(table as *const u64, count as usize) };
    PresentSlots::scan(entries)
}

/// # Safety
/// As `paging::table_mut`: the tables above must be present, the page-table lock held.
unsafe fn table_at<'a>(level: Level, addr: u64) -> &'a mut PageTable {
    // SAFETY: forwarded from the caller.
    unsafe { &mut *(table_address(level, addr) as *mut PageTable) }
}

fn free(addr: PhysAddr) {
    frames::deallocate(PhysFrame::containing_address(addr))
        .expect("a user page or table frame was allocated");
}

/// What a user page allows (`PROT_READ`, `PROT_WRITE`, `PROT_EXEC`). x86 cannot map a page
/// writable or executable but not readable, so only "no access at all" (`PROT_NONE`) differs
/// from readable: such a page stays present but not user-accessible, which keeps its contents
/// for a later `mprotect` while every user access faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserAccess {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl UserAccess {
    /// `PROT_NONE`.
    pub const NONE: UserAccess = UserAccess {
        read: false,
        write: false,
        execute: false,
    };

    /// Whether user mode may touch the page at all.
    pub const fn any(&self) -> bool {
        self.read || self.write || self.execute
    }
}

/// The leaf-entry flags for a private page with `access` (`WRITABLE` unless copy-on-write).
fn leaf_flags(access: UserAccess, copy_on_write: bool) -> Flags {
    let mut flags = Flags::PRESENT;
    if access.any() {
        flags |= Flags::USER_ACCESSIBLE;
    }
    if copy_on_write {
        flags |= COPY_ON_WRITE;
    } else if access.write {
        flags |= Flags::WRITABLE;
    }
    if !access.execute {
        flags |= Flags::NO_EXECUTE;
    }
    flags
}

/// Maps a fresh zero-filled frame at user page `addr` of the current space.
pub fn map_zeroed_user_page(addr: u64, access: UserAccess) -> Result<(), MapError> {
    let frame = frames::allocate().ok_or(MapError::OutOfFrames)?;
    let flags = leaf_flags(access, false);
    let page: Page = Page::containing_address(VirtAddr::new(addr));
    let mut tables = PAGE_TABLES.lock();
    if let Err(err) = map_user(&mut tables, addr, frame, flags) {
        drop(tables);
        let _ = frames::deallocate(frame);
        return Err(err);
    }
    drop(tables);
    crate::arch::user_mode::with_read_only_writable(|| {
        // SAFETY: the page was just mapped to a frame this space owns alone.
        unsafe { core::ptr::write_bytes(page.start_address().as_mut_ptr::<u8>(), 0, 4096) };
    });
    Ok(())
}

/// Unmaps user page `addr` of the current space and gives up its frame, if it is mapped (a
/// `PROT_NONE` page included); returns whether it was.
pub fn unmap_user_page(addr: u64) -> bool {
    let page = Page::containing_address(VirtAddr::new(addr));
    let unmapped = PAGE_TABLES.lock().unmap(page);
    match unmapped {
        Ok(frame) => {
            release_user_frame(frame.start_address());
            true
        }
        Err(_) => false,
    }
}

/// Whether user page `addr` of the current space has a frame (even a `PROT_NONE` one).
pub fn user_page_present(addr: u64) -> bool {
    let tables = PAGE_TABLES.lock();
    // SAFETY: the lock is held while the entry is used.
    unsafe { user_entry(&tables, page_floor(addr)) }.is_some()
}

/// The lowest page in `[from, end)` of the current space's user half that has a frame, found
/// by walking the tables and skipping every absent one whole, so that a sparse range (a huge
/// `PROT_NONE` reservation) costs its tables, not its pages. Callers loop from the page after.
pub fn next_present_user_page(from: u64, end: u64) -> Option<u64> {
    let end = end.min(1 << 47);
    let mut addr = page_floor(from);
    let _tables = PAGE_TABLES.lock();
    // The next multiple of `span` above `addr`.
    let skip = |addr: u64, span: u64| (addr | (span - 1)) + 1;
    while addr < end {
        // SAFETY: the P4 is always mapped through the recursive entry; the lock is held.
        let p4 = unsafe { table_at(Level::P4, 0) };
        if !p4[index::index(addr, Level::P4) as usize]
            .flags()
            .contains(Flags::PRESENT)
        {
            addr = skip(addr, index::entry_span(Level::P4));
            continue;
        }
        // SAFETY: the P4 entry is present, so the P3 is visible; the lock is held.
        let p3 = unsafe { table_at(Level::P3, addr) };
        if !p3[index::index(addr, Level::P3) as usize]
            .flags()
            .contains(Flags::PRESENT)
        {
            addr = skip(addr, index::entry_span(Level::P3));
            continue;
        }
        // SAFETY: the P3 entry is present (never huge in the user half): the P2 is visible.
        let p2 = unsafe { table_at(Level::P2, addr) };
        if !p2[index::index(addr, Level::P2) as usize]
            .flags()
            .contains(Flags::PRESENT)
        {
            addr = skip(addr, index::entry_span(Level::P2));
            continue;
        }
        // SAFETY: the P2 entry is present and not huge: the P1 is visible.
        let p1 = unsafe { table_at(Level::P1, addr) };
        let first = index::index(addr, Level::P1) as usize;
        match p1
            .iter()
            .skip(first)
            .position(|e| e.flags().contains(Flags::PRESENT))
        {
            Some(offset) => {
                let found = addr + offset as u64 * 4096;
                return (found < end).then_some(found);
            }
            None => addr = skip(addr, index::entry_span(Level::P2)),
        }
    }
    None
}

/// `mprotect` on one page of the current space: gives a mapped page the flags of `access`,
/// keeping a copy-on-write page read-only (its first write still copies). Nothing happens to
/// a page that is not mapped (it is demand-paged with the area's new access).
pub fn protect_user_page(addr: u64, access: UserAccess) {
    let tables = PAGE_TABLES.lock();
    // SAFETY: the lock is held while the entry is used.
    let Some(entry) = (unsafe { user_entry(&tables, page_floor(addr)) }) else {
        return;
    };
    let old = entry.flags();
    let kept = old & (Flags::ACCESSED | Flags::DIRTY);
    let flags = leaf_flags(access, old.contains(COPY_ON_WRITE)) | kept;
    if flags != old {
        entry.set_flags(effective_flags(flags));
        cpu::flush_tlb_page(VirtAddr::new(page_floor(addr)));
    }
}

/// `mremap`: moves the frame mapped at user page `from` of the current space to the free page
/// `to`, flags and all. `Ok(false)` when nothing is mapped at `from`.
pub fn move_user_page(from: u64, to: u64) -> Result<bool, MapError> {
    let mut tables = PAGE_TABLES.lock();
    // SAFETY: the lock is held while the entry is used.
    let Some(entry) = (unsafe { user_entry(&tables, page_floor(from)) }) else {
        return Ok(false);
    };
    let (frame, flags) = (
        PhysFrame::containing_address(entry.addr()),
        entry.flags() & !(Flags::ACCESSED | Flags::DIRTY),
    );
    map_user(&mut tables, to, frame, flags)?;
    // SAFETY: as above; the old entry is still mapped (map_to made only the new one).
    if let Some(old) = unsafe { user_entry(&tables, page_floor(from)) } {
        old.set_unused();
    }
    cpu::flush_tlb_page(VirtAddr::new(page_floor(from)));
    Ok(true)
}

/// How user page `addr` of the current space is mapped: `None` when it is not, or not for
/// user mode.
pub fn user_page(addr: u64) -> Option<UserAccess> {
    let translation = super::paging::translate(VirtAddr::new(addr))?;
    translation
        .flags
        .contains(Flags::PRESENT | Flags::USER_ACCESSIBLE)
        .then_some(UserAccess {
            read: true,
            write: translation.flags.contains(Flags::WRITABLE),
            execute: !translation.flags.contains(Flags::NO_EXECUTE),
        })
}

fn page_floor(addr: u64) -> u64 {
    addr & !0xFFF
}

/// Page-table bit 9 (free for software, Intel SDM vol. 3A §4.5): the page is shared
/// copy-on-write. Such a page is mapped read-only; the first write faults and gets a copy
/// ([`resolve_copy_on_write`]), or the page itself when no other space shares it any more.
const COPY_ON_WRITE: Flags = Flags::BIT_9;

/// How many *other* owners each shared user frame has (absent: one owner). Only changed with
/// interrupts off (system calls, faults), never while the page-table lock is held by the
/// same path in a way that could need the heap.
static SHARES: spin::Mutex<alloc::collections::BTreeMap<u64, u32>> =
    spin::Mutex::new(alloc::collections::BTreeMap::new());

/// Gives up one owner's hold on a user frame: frees it when nobody else shares it.
fn release_user_frame(addr: PhysAddr) {
    let mut shares = SHARES.lock();
    if let Some(others) = shares.get_mut(&addr.as_u64()) {
        *others -= 1;
        if *others == 0 {
            shares.remove(&addr.as_u64());
        }
        return;
    }
    drop(shares);
    free(addr);
}

/// The P1 entry mapping user page `addr` of the current space, if it is mapped.
///
/// # Safety
/// The page-table lock must be held for the borrow's lifetime.
unsafe fn user_entry<'a>(
    tables: &super::paging::PageTables,
    addr: u64,
) -> Option<&'a mut x86_64::structures::paging::page_table::PageTableEntry> {
    let translation = tables.translate(VirtAddr::new(addr))?;
    if translation.size != super::paging::PageSize::Size4KiB {
        return None;
    }
    // SAFETY: the translation went through present, non-huge P4, P3 and P2 entries, so the
    // P1 is visible through the recursive mapping; the caller holds the lock.
    let p1 = unsafe { table_at(Level::P1, addr) };
    Some(&mut p1[index::index(addr, Level::P1) as usize])
}

/// For `fork`: shares user page `addr` of the current (parent) space with a child. A writable
/// page of a private area becomes read-only copy-on-write in the parent; a page of a
/// `MAP_SHARED` area (`shared_area`) stays writable in both. Returns the frame and how the
/// child maps it, or `None` when the page is not mapped.
pub fn share_user_page(addr: u64, shared_area: bool) -> Option<SharedPage> {
    let shared = {
        let tables = PAGE_TABLES.lock();
        // SAFETY: the lock is held while the entry is used.
        let entry = unsafe { user_entry(&tables, addr) }?;
        let flags = entry.flags();
        let copy_on_write = !shared_area && flags.intersects(Flags::WRITABLE | COPY_ON_WRITE);
        if copy_on_write && flags.contains(Flags::WRITABLE) {
            entry.set_flags((flags - Flags::WRITABLE) | COPY_ON_WRITE);
            cpu::flush_tlb_page(VirtAddr::new(addr));
        }
        SharedPage {
            frame: PhysFrame::containing_address(entry.addr()),
            copy_on_write,
            writable: shared_area && flags.contains(Flags::WRITABLE),
            user: flags.contains(Flags::USER_ACCESSIBLE),
            execute: !flags.contains(Flags::NO_EXECUTE),
        }
    };
    // Outside the page-table lock: the map may allocate, and heap growth maps pages.
    *SHARES
        .lock()
        .entry(shared.frame.start_address().as_u64())
        .or_insert(0) += 1;
    Some(shared)
}

/// A frame a forked child maps where its parent has it.
#[derive(Debug, Clone, Copy)]
pub struct SharedPage {
    pub frame: PhysFrame,
    /// Writable for the parent: copy-on-write for both.
    pub copy_on_write: bool,
    /// A `MAP_SHARED` page both write.
    pub writable: bool,
    /// Not `PROT_NONE`.
    pub user: bool,
    pub execute: bool,
}

/// Maps a page [`share_user_page`] returned at `addr` of the current (child) space.
pub fn map_shared_page(addr: u64, page: SharedPage) -> Result<(), MapError> {
    let mut flags = Flags::PRESENT;
    if page.user {
        flags |= Flags::USER_ACCESSIBLE;
    }
    if page.copy_on_write {
        flags |= COPY_ON_WRITE;
    }
    if page.writable {
        flags |= Flags::WRITABLE;
    }
    if !page.execute {
        flags |= Flags::NO_EXECUTE;
    }
    map_user(&mut PAGE_TABLES.lock(), addr, page.frame, flags)
}

/// Maps user page `addr` of the current space to `frame` with leaf flags `flags`. The tables
/// above are always made user-accessible, even for a `PROT_NONE` leaf, so that a later
/// `mprotect` only has to change the leaf.
fn map_user(
    tables: &mut super::paging::PageTables,
    addr: u64,
    frame: PhysFrame,
    flags: Flags,
) -> Result<(), MapError> {
    let page = Page::containing_address(VirtAddr::new(addr));
    tables.map_to(
        page,
        frame,
        effective_flags(flags | Flags::USER_ACCESSIBLE),
        &mut frames::GlobalFrames,
    )?;
    if !flags.contains(Flags::USER_ACCESSIBLE) {
        // SAFETY: the lock is held (the caller's guard); the page was just mapped.
        if let Some(entry) = unsafe { user_entry(tables, addr) } {
            entry.set_flags(entry.flags() - Flags::USER_ACCESSIBLE);
        }
    }
    Ok(())
}

/// A write to copy-on-write page `addr` of the current space: the page gets a private copy
/// (or keeps its frame when nobody else shares it) and becomes writable. `Ok(false)` when the
/// page is not copy-on-write (a real protection fault).
pub fn resolve_copy_on_write(addr: u64) -> Result<bool, MapError> {
    let addr = page_floor(addr);
    let frame = {
        let tables = PAGE_TABLES.lock();
        // SAFETY: the lock is held while the entry is used.
        let Some(entry) = (unsafe { user_entry(&tables, addr) }) else {
            return Ok(false);
        };
        if !entry.flags().contains(COPY_ON_WRITE) {
            return Ok(false);
        }
        entry.addr()
    };
    let shared = SHARES.lock().contains_key(&frame.as_u64());
    let new_frame = if shared {
        let copy = frames::allocate().ok_or(MapError::OutOfFrames)?;
        copy_frame(addr, copy)?;
        Some(copy)
    } else {
        None
    };
    {
        let tables = PAGE_TABLES.lock();
        // SAFETY: as above; the entry is still the one seen above (interrupts are off).
        let entry = unsafe { user_entry(&tables, addr) }.expect("the page is still mapped");
        let flags = (entry.flags() - COPY_ON_WRITE) | Flags::WRITABLE;
        match new_frame {
            Some(copy) => entry.set_addr(copy.start_address(), flags),
            None => entry.set_flags(flags),
        }
        cpu::flush_tlb_page(VirtAddr::new(addr));
    }
    if shared {
        release_user_frame(frame);
    }
    Ok(true)
}

/// Copies user page `addr` of the current space into `frame` through the copy scratch page.
fn copy_frame(addr: u64, frame: PhysFrame) -> Result<(), MapError> {
    let scratch = Page::containing_address(VirtAddr::new(COPY_SCRATCH));
    let data = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    let mut tables = PAGE_TABLES.lock();
    if let Err(err) = tables.map_to(scratch, frame, data, &mut frames::GlobalFrames) {
        drop(tables);
        let _ = frames::deallocate(frame);
        return Err(err);
    }
    // SAFETY: `addr` is a mapped user page of the current space, the scratch page maps the
    // fresh frame; they do not overlap.
    unsafe {
        core::ptr::copy_nonoverlapping(page_floor(addr) as *const u8, COPY_SCRATCH as *mut u8, 4096)
    };
    tables
        .unmap(scratch)
        .expect("the scratch page was just mapped");
    Ok(())
}

/// Gives up a hold [`share_user_page`] took, for a page that was never mapped.
pub fn release_shared(page: SharedPage) {
    release_user_frame(page.frame.start_address());
}
