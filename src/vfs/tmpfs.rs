//! tmpfs: a writable file system kept in RAM, for `/tmp`.
//!
//! Every node lives in one table behind one lock; inode numbers are table indices, reused once
//! a node has neither a name nor a [`FileSystem::retain`] left (an open file keeps an unlinked
//! file readable, as on Linux). All file data, link targets, names and a fixed cost per node
//! count against the size limit given to [`Tmpfs::new`]: past it, calls fail with `ENOSPC`
//! instead of exhausting the kernel heap. When everything is removed the count returns to
//! where it started ([`Tmpfs::used_bytes`]).
//!
//! Time stamps are 0 until `utimensat` sets them (nothing here knows the time); there are no
//! permission checks and no sparse files (a write past the end fills the gap with zeros it
//! counts).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use spin::Mutex;

use super::FsError;
use super::node::{
    Attributes, DirEntry, FileSystem, FileType, FsUsage, InodeId, Metadata, check_new_name,
};
use super::path::PATH_MAX;

/// What a node costs beyond its data, for the size limit: the table slot and map entry.
const NODE_COST: usize = 128;

const ROOT: InodeId = 1;

enum Content {
    Directory {
        parent: InodeId,
        entries: BTreeMap<Vec<u8>, InodeId>,
    },
    File(Vec<u8>),
    Symlink(Vec<u8>),
}

struct Node {
    meta: Metadata,
    /// Open files and working directories holding the node ([`FileSystem::retain`]).
    holders: u32,
    content: Content,
}

struct Inner {
    /// Index 0 is never used, so that no inode is 0.
    nodes: Vec<Option<Node>>,
    free: Vec<InodeId>,
    used: usize,
    limit: usize,
}

/// A RAM file system of at most `limit` bytes.
pub struct Tmpfs {
    inner: Mutex<Inner>,
}

fn meta(file_type: FileType, permissions: u16) -> Metadata {
    Metadata {
        ino: 0,
        file_type,
        permissions: permissions & 0o7777,
        uid: 0,
        gid: 0,
        size: 0,
        nlink: 1,
        mtime: 0,
        rdev: (0, 0),
    }
}

impl Inner {
    fn node(&self, ino: InodeId) -> Result<&Node, FsError> {
        let index = usize::try_from(ino).map_err(|_| FsError::Stale)?;
        self.nodes
            .get(index)
            .and_then(Option::as_ref)
            .ok_or(FsError::Stale)
    }

    fn node_mut(&mut self, ino: InodeId) -> Result<&mut Node, FsError> {
        let index = usize::try_from(ino).map_err(|_| FsError::Stale)?;
        self.nodes
            .get_mut(index)
            .and_then(Option::as_mut)
            .ok_or(FsError::Stale)
    }

    fn entries(&self, dir: InodeId) -> Result<&BTreeMap<Vec<u8>, InodeId>, FsError> {
        match &self.node(dir)?.content {
            Content::Directory { entries, .. } => Ok(entries),
            _ => Err(FsError::NotADirectory),
        }
    }

    fn entries_mut(&mut self, dir: InodeId) -> Result<&mut BTreeMap<Vec<u8>, InodeId>, FsError> {
        match &mut self.node_mut(dir)?.content {
            Content::Directory { entries, .. } => Ok(entries),
            _ => Err(FsError::NotADirectory),
        }
    }

    fn charge(&mut self, bytes: usize) -> Result<(), FsError> {
        let used = self.used.checked_add(bytes).ok_or(FsError::NoSpace)?;
        if used > self.limit {
            return Err(FsError::NoSpace);
        }
        self.used = used;
        Ok(())
    }

    fn refund(&mut self, bytes: usize) {
        self.used -= bytes;
    }

    /// What a node's data and name cost.
    fn data_cost(content: &Content) -> usize {
        match content {
            Content::File(data) | Content::Symlink(data) => data.len(),
            Content::Directory { .. } => 0,
        }
    }

    /// Checks that `name` may be added to `dir`, and charges for a node plus `extra` bytes.
    fn prepare(&mut self, dir: InodeId, name: &[u8], extra: usize) -> Result<(), FsError> {
        check_new_name(name)?;
        if self.entries(dir)?.contains_key(name) {
            return Err(FsError::Exists);
        }
        self.charge(NODE_COST + name.len() + extra)
    }

    fn insert(&mut self, dir: InodeId, name: &[u8], meta: Metadata, content: Content) -> InodeId {
        let ino = self.free.pop().unwrap_or(self.nodes.len() as InodeId);
        let node = Node {
            meta: Metadata { ino, ..meta },
            holders: 0,
            content,
        };
        if ino as usize == self.nodes.len() {
            self.nodes.push(Some(node));
        } else {
            self.nodes[ino as usize] = Some(node);
        }
        if let Ok(entries) = self.entries_mut(dir) {
            entries.insert(name.to_vec(), ino);
        }
        ino
    }

    /// Frees `ino` if nothing names or holds it any more.
    fn collect(&mut self, ino: InodeId) {
        let Ok(node) = self.node(ino) else { return };
        if node.meta.nlink > 0 || node.holders > 0 {
            return;
        }
        let cost = NODE_COST + Self::data_cost(&node.content);
        self.nodes[ino as usize] = None;
        self.free.push(ino);
        self.refund(cost);
    }

    /// Removes the entry `name` from `dir`, whose node must pass `check`; returns the node.
    fn remove_entry(
        &mut self,
        dir: InodeId,
        name: &[u8],
        check: impl FnOnce(&Node) -> Result<(), FsError>,
    ) -> Result<InodeId, FsError> {
        if name == b"." || name == b".." {
            return Err(FsError::InvalidArgument);
        }
        let ino = *self.entries(dir)?.get(name).ok_or(FsError::NotFound)?;
        check(self.node(ino)?)?;
        self.entries_mut(dir)?.remove(name);
        self.refund(name.len());
        Ok(ino)
    }
}

impl Tmpfs {
    /// An empty tmpfs that holds at most `limit` bytes (data, names and per-node costs).
    pub fn new(limit: usize) -> Self {
        let root = Node {
            meta: Metadata {
                ino: ROOT,
                nlink: 2,
                ..meta(FileType::Directory, 0o1777)
            },
            holders: 0,
            content: Content::Directory {
                parent: ROOT,
                entries: BTreeMap::new(),
            },
        };
        Tmpfs {
            inner: Mutex::new(Inner {
                nodes: alloc::vec![None, Some(root)],
                free: Vec::new(),
                used: NODE_COST,
                limit,
            }),
        }
    }

    /// Bytes counted against the limit; an emptied tmpfs is back at its starting figure.
    pub fn used_bytes(&self) -> usize {
        self.inner.lock().used
    }

    /// Nodes alive, the root included.
    pub fn node_count(&self) -> usize {
        self.inner
            .lock()
            .nodes
            .iter()
            .filter(|n| n.is_some())
            .count()
    }
}

impl FileSystem for Tmpfs {
    fn name(&self) -> &str {
        "tmpfs"
    }

    fn usage(&self) -> FsUsage {
        let inner = self.inner.lock();
        let block = FsUsage::BLOCK_SIZE as usize;
        let nodes = inner.nodes.iter().filter(|n| n.is_some()).count() as u64;
        // Every node costs NODE_COST bytes of the limit: that bounds how many more fit.
        let free = (inner.limit - inner.used) as u64;
        FsUsage {
            magic: FsUsage::TMPFS_MAGIC,
            blocks: (inner.limit / block) as u64,
            free_blocks: free / FsUsage::BLOCK_SIZE,
            files: nodes + free / NODE_COST as u64,
            free_files: free / NODE_COST as u64,
            read_only: false,
        }
    }

    fn root(&self) -> InodeId {
        ROOT
    }

    fn metadata(&self, ino: InodeId) -> Result<Metadata, FsError> {
        let inner = self.inner.lock();
        let node = inner.node(ino)?;
        let mut meta = node.meta;
        match &node.content {
            Content::Directory { entries, .. } => {
                let subdirs = entries
                    .values()
                    .filter(|&&c| inner.node(c).is_ok_and(|n| n.meta.is_dir()))
                    .count();
                meta.nlink = 2 + subdirs as u32;
            }
            Content::File(data) | Content::Symlink(data) => meta.size = data.len() as u64,
        }
        Ok(meta)
    }

    fn lookup(&self, dir: InodeId, name: &[u8]) -> Result<InodeId, FsError> {
        let inner = self.inner.lock();
        match &inner.node(dir)?.content {
            Content::Directory { parent, entries } => match name {
                b"." => Ok(dir),
                b".." => Ok(*parent),
                _ => entries.get(name).copied().ok_or(FsError::NotFound),
            },
            _ => Err(FsError::NotADirectory),
        }
    }

    fn read(&self, ino: InodeId, offset: u64, buf: &mut [u8]) -> Result<usize, FsError> {
        let inner = self.inner.lock();
        match &inner.node(ino)?.content {
            Content::File(data) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                let n = buf.len().min(data.len() - start);
                buf[..n].copy_from_slice(&data[start..start + n]);
                Ok(n)
            }
            Content::Directory { .. } => Err(FsError::IsADirectory),
            Content::Symlink(_) => Err(FsError::InvalidArgument),
        }
    }

    fn read_link(&self, ino: InodeId, out: &mut Vec<u8>) -> Result<(), FsError> {
        match &self.inner.lock().node(ino)?.content {
            Content::Symlink(target) => {
                out.extend_from_slice(target);
                Ok(())
            }
            _ => Err(FsError::InvalidArgument),
        }
    }

    fn read_dir(
        &self,
        dir: InodeId,
        start: usize,
        emit: &mut dyn FnMut(DirEntry<'_>) -> bool,
    ) -> Result<usize, FsError> {
        // Copied out first, so that `emit` runs without the lock and may call back in.
        let batch: Vec<(Vec<u8>, InodeId, FileType)> = {
            let inner = self.inner.lock();
            let entries = inner.entries(dir)?;
            entries
                .iter()
                .skip(start)
                .filter_map(|(name, &ino)| {
                    let file_type = inner.node(ino).ok()?.meta.file_type;
                    Some((name.clone(), ino, file_type))
                })
                .collect()
        };
        let mut position = start;
        for (name, ino, file_type) in &batch {
            if !emit(DirEntry {
                name,
                ino: *ino,
                file_type: *file_type,
            }) {
                break;
            }
            position += 1;
        }
        Ok(position)
    }

    fn create(
        &self,
        dir: InodeId,
        name: &[u8],
        file_type: FileType,
        permissions: u16,
    ) -> Result<InodeId, FsError> {
        let mut inner = self.inner.lock();
        let (content, nlink) = match file_type {
            FileType::Regular => (Content::File(Vec::new()), 1),
            FileType::Directory => (
                Content::Directory {
                    parent: dir,
                    entries: BTreeMap::new(),
                },
                2,
            ),
            _ => return Err(FsError::InvalidArgument),
        };
        inner.prepare(dir, name, 0)?;
        let meta = Metadata {
            nlink,
            ..meta(file_type, permissions)
        };
        Ok(inner.insert(dir, name, meta, content))
    }

    fn symlink(&self, dir: InodeId, name: &[u8], target: &[u8]) -> Result<InodeId, FsError> {
        if target.is_empty() || target.contains(&0) {
            return Err(FsError::NotFound);
        }
        if target.len() >= PATH_MAX {
            return Err(FsError::NameTooLong);
        }
        let mut inner = self.inner.lock();
        inner.prepare(dir, name, target.len())?;
        let meta = meta(FileType::Symlink, 0o777);
        Ok(inner.insert(dir, name, meta, Content::Symlink(target.to_vec())))
    }

    fn link(&self, dir: InodeId, name: &[u8], ino: InodeId) -> Result<(), FsError> {
        let mut inner = self.inner.lock();
        if inner.node(ino)?.meta.is_dir() {
            return Err(FsError::InvalidArgument); // Linux: EPERM; directories have one name.
        }
        check_new_name(name)?;
        if inner.entries(dir)?.contains_key(name) {
            return Err(FsError::Exists);
        }
        inner.charge(name.len())?;
        inner.entries_mut(dir)?.insert(name.to_vec(), ino);
        inner.node_mut(ino)?.meta.nlink += 1;
        Ok(())
    }

    fn write(&self, ino: InodeId, offset: u64, data: &[u8]) -> Result<usize, FsError> {
        let mut inner = self.inner.lock();
        let old_len = match &inner.node(ino)?.content {
            Content::File(bytes) => bytes.len(),
            Content::Directory { .. } => return Err(FsError::IsADirectory),
            Content::Symlink(_) => return Err(FsError::InvalidArgument),
        };
        let start = usize::try_from(offset).map_err(|_| FsError::NoSpace)?;
        let end = start.checked_add(data.len()).ok_or(FsError::NoSpace)?;
        let growth = end.saturating_sub(old_len);
        inner.charge(growth)?;
        if let Content::File(bytes) = &mut inner.node_mut(ino)?.content {
            if end > bytes.len() {
                bytes.resize(end, 0);
            }
            bytes[start..end].copy_from_slice(data);
        }
        Ok(data.len())
    }

    fn truncate(&self, ino: InodeId, size: u64) -> Result<(), FsError> {
        let mut inner = self.inner.lock();
        let old_len = match &inner.node(ino)?.content {
            Content::File(bytes) => bytes.len(),
            Content::Directory { .. } => return Err(FsError::IsADirectory),
            Content::Symlink(_) => return Err(FsError::InvalidArgument),
        };
        let new_len = usize::try_from(size).map_err(|_| FsError::NoSpace)?;
        if new_len > old_len {
            inner.charge(new_len - old_len)?;
        } else {
            inner.refund(old_len - new_len);
        }
        if let Content::File(bytes) = &mut inner.node_mut(ino)?.content {
            bytes.resize(new_len, 0);
            bytes.shrink_to_fit();
        }
        Ok(())
    }

    fn unlink(&self, dir: InodeId, name: &[u8]) -> Result<(), FsError> {
        let mut inner = self.inner.lock();
        let ino = inner.remove_entry(dir, name, |node| {
            if node.meta.is_dir() {
                Err(FsError::IsADirectory)
            } else {
                Ok(())
            }
        })?;
        inner.node_mut(ino)?.meta.nlink -= 1;
        inner.collect(ino);
        Ok(())
    }

    fn rmdir(&self, dir: InodeId, name: &[u8]) -> Result<(), FsError> {
        let mut inner = self.inner.lock();
        let ino = inner.remove_entry(dir, name, |node| match &node.content {
            Content::Directory { entries, .. } if entries.is_empty() => Ok(()),
            Content::Directory { .. } => Err(FsError::NotEmpty),
            _ => Err(FsError::NotADirectory),
        })?;
        inner.node_mut(ino)?.meta.nlink = 0;
        inner.collect(ino);
        Ok(())
    }

    fn rename(
        &self,
        old_dir: InodeId,
        old_name: &[u8],
        new_dir: InodeId,
        new_name: &[u8],
    ) -> Result<(), FsError> {
        let mut inner = self.inner.lock();
        if [old_name, new_name]
            .iter()
            .any(|n| *n == b"." || *n == b"..")
        {
            return Err(FsError::InvalidArgument);
        }
        let ino = *inner
            .entries(old_dir)?
            .get(old_name)
            .ok_or(FsError::NotFound)?;
        let moving_dir = inner.node(ino)?.meta.is_dir();
        let replaced = inner.entries(new_dir)?.get(new_name).copied();
        if replaced == Some(ino) {
            return Ok(()); // Two names of one file: Linux does nothing.
        }
        if let Some(target) = replaced {
            match (&inner.node(target)?.content, moving_dir) {
                (Content::Directory { entries, .. }, true) if !entries.is_empty() => {
                    return Err(FsError::NotEmpty);
                }
                (Content::Directory { .. }, false) => return Err(FsError::IsADirectory),
                (Content::Directory { .. }, true) => {}
                (_, true) => return Err(FsError::NotADirectory),
                (_, false) => {}
            }
        } else {
            check_new_name(new_name)?;
        }
        if moving_dir {
            // A directory cannot move into itself or below itself (`EINVAL`).
            let mut at = new_dir;
            loop {
                if at == ino {
                    return Err(FsError::InvalidArgument);
                }
                match &inner.node(at)?.content {
                    Content::Directory { parent, .. } if *parent != at => at = *parent,
                    _ => break,
                }
            }
        }
        if replaced.is_none() {
            inner.charge(new_name.len())?;
        }
        inner.entries_mut(old_dir)?.remove(old_name);
        inner.refund(old_name.len());
        inner.entries_mut(new_dir)?.insert(new_name.to_vec(), ino);
        if let Content::Directory { parent, .. } = &mut inner.node_mut(ino)?.content {
            *parent = new_dir;
        }
        if let Some(target) = replaced {
            let node = inner.node_mut(target)?;
            node.meta.nlink = if node.meta.is_dir() {
                0
            } else {
                node.meta.nlink - 1
            };
            inner.collect(target);
        }
        Ok(())
    }

    fn set_attributes(&self, ino: InodeId, changes: &Attributes) -> Result<(), FsError> {
        let mut inner = self.inner.lock();
        let meta = &mut inner.node_mut(ino)?.meta;
        if let Some(permissions) = changes.permissions {
            meta.permissions = permissions & 0o7777;
        }
        if let Some(uid) = changes.uid {
            meta.uid = uid;
        }
        if let Some(gid) = changes.gid {
            meta.gid = gid;
        }
        if let Some(mtime) = changes.mtime {
            meta.mtime = mtime;
        }
        Ok(())
    }

    fn retain(&self, ino: InodeId) -> Result<(), FsError> {
        let mut inner = self.inner.lock();
        let node = inner.node_mut(ino)?;
        node.holders = node.holders.checked_add(1).ok_or(FsError::NoSpace)?;
        Ok(())
    }

    fn release(&self, ino: InodeId) {
        let mut inner = self.inner.lock();
        if let Ok(node) = inner.node_mut(ino) {
            node.holders = node.holders.saturating_sub(1);
            inner.collect(ino);
        }
    }
}

#[cfg(test)]
#[path = "tmpfs_tests.rs"]
mod tests;
