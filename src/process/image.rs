//! A program's image, paged in on first touch.
//!
//! `execve` maps no page of the program: it records the areas ([`super::vma::VmaKind::Image`])
//! and this image, and the page-fault path fills each page from the file when the program (or
//! a system call on its behalf) first touches it. Busybox is 1.9 MiB, and copying all of it
//! on every command cost ash about 870,000 instructions per `true`; a command touches a few
//! dozen of its pages. The file bytes stay in the initramfs, which lives as long as the kernel.

use super::elf::{LoadPlan, Segment};
use super::layout::PAGE_SIZE;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The segments of a loaded program and the file they come from.
#[derive(Debug)]
pub struct ProgramImage {
    segments: Vec<Segment>,
    file: &'static [u8],
}

impl ProgramImage {
    pub fn new(plan: &LoadPlan, file: &'static [u8]) -> Arc<Self> {
        Arc::new(ProgramImage {
            segments: plan.segments.clone(),
            file,
        })
    }

    /// The file bytes that belong in the page at `page`, each with its offset in the page;
    /// the rest of the page is zero (BSS, or no segment). Two segments may share a page.
    pub fn runs(&self, page: u64) -> impl Iterator<Item = (usize, &'static [u8])> + '_ {
        let page_end = page + PAGE_SIZE;
        self.segments.iter().filter_map(move |segment| {
            let bytes = segment.file_bytes(self.file);
            let start = segment.vaddr.max(page);
            let end = (segment.vaddr + bytes.len() as u64).min(page_end);
            (start < end).then(|| {
                let from = (start - segment.vaddr) as usize;
                let to = (end - segment.vaddr) as usize;
                ((start - page) as usize, &bytes[from..to])
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::elf::Permissions;

    fn segment(vaddr: u64, mem_size: u64, file_offset: u64, file_size: u64) -> Segment {
        Segment {
            index: 0,
            vaddr,
            mem_size,
            file_offset,
            file_size,
            permissions: Permissions::default(),
        }
    }

    fn image(segments: Vec<Segment>, file: &'static [u8]) -> ProgramImage {
        ProgramImage { segments, file }
    }

    #[test]
    fn a_page_gets_the_bytes_of_every_segment_on_it() {
        static FILE: [u8; 0x3000] = {
            let mut file = [0u8; 0x3000];
            let mut i = 0;
            while i < file.len() {
                file[i] = (i % 251) as u8;
                i += 1;
            }
            file
        };
        // Text at 0x401000 (0x1800 bytes from offset 0x1000), data sharing its last page at
        // 0x402800 (0x100 bytes from 0x2800, 0x900 in memory: the rest is BSS).
        let img = image(
            alloc::vec![
                segment(0x401000, 0x1800, 0x1000, 0x1800),
                segment(0x402800, 0x900, 0x2800, 0x100)
            ],
            &FILE,
        );
        let first: Vec<_> = img.runs(0x401000).collect();
        assert_eq!(first, [(0, &FILE[0x1000..0x2000])]);
        let shared: Vec<_> = img.runs(0x402000).collect();
        assert_eq!(
            shared,
            [(0, &FILE[0x2000..0x2800]), (0x800, &FILE[0x2800..0x2900])]
        );
        // Beyond the file bytes: BSS only, nothing to copy.
        assert_eq!(img.runs(0x403000).count(), 0);
        assert_eq!(img.runs(0x400000).count(), 0);
    }
}
