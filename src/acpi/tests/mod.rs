//! Host tests over QEMU's real tables (tests/fixtures/acpi/, see its README) and corrupted
//! copies of them.

mod aml;
mod corrupt;
mod fixtures;
mod mutations;

use std::string::String;
use std::vec::Vec;
use std::{format, fs};

use super::PhysMemory;
use super::bytes::checksum;

/// The four firmware setups the fixtures were dumped from.
pub const MACHINES: [&str; 4] = ["pc-seabios", "pc-ovmf", "q35-seabios", "q35-ovmf"];

/// Physical memory made of separate images; a mapping must lie inside one of them.
#[derive(Clone, Debug, Default)]
pub struct MemoryImage {
    pub regions: Vec<(u64, Vec<u8>)>,
}

impl MemoryImage {
    pub fn add(&mut self, phys: u64, bytes: Vec<u8>) {
        self.regions.push((phys, bytes));
    }

    /// The region that starts at `phys`.
    pub fn region_mut(&mut self, phys: u64) -> &mut Vec<u8> {
        &mut self
            .regions
            .iter_mut()
            .find(|(p, _)| *p == phys)
            .expect("no such region")
            .1
    }
}

impl PhysMemory for MemoryImage {
    fn map(&self, phys: u64, len: usize) -> Option<&[u8]> {
        self.regions.iter().find_map(|(base, bytes)| {
            let offset = usize::try_from(phys.checked_sub(*base)?).ok()?;
            bytes.get(offset..offset.checked_add(len)?)
        })
    }
}

/// One fixture directory: its files and the index of (signature, address, length) that
/// Linux logged.
pub struct Fixture {
    pub name: &'static str,
    pub index: Vec<(String, u64, usize)>,
}

impl Fixture {
    pub fn load(name: &'static str) -> Self {
        let text = fs::read_to_string(path(name, "index.txt")).expect("index.txt");
        let index = text
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
                (String::from(f[0]), hex(f[1]), hex(f[2]) as usize)
            })
            .collect();
        Self { name, index }
    }

    pub fn file(&self, file: &str) -> Vec<u8> {
        fs::read(path(self.name, file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", self.name))
    }

    /// A table's bytes by signature (`FACP`, `APIC`, ...).
    pub fn table(&self, signature: &str) -> Vec<u8> {
        self.file(&format!("{signature}.bin"))
    }

    pub fn address(&self, signature: &str) -> u64 {
        self.index
            .iter()
            .find(|(s, ..)| s == signature)
            .map(|(_, a, _)| *a)
            .unwrap()
    }

    pub fn is_ovmf(&self) -> bool {
        self.name.ends_with("ovmf")
    }

    /// Physical memory holding the RSDP, both root tables and every table, where firmware put
    /// them.
    pub fn memory(&self) -> MemoryImage {
        let mut memory = MemoryImage::default();
        let rsdp = self.table("RSDP");
        let rsdt = u32::from_le_bytes(rsdp[16..20].try_into().unwrap());
        if rsdp[15] >= 2 {
            let xsdt = u64::from_le_bytes(rsdp[24..32].try_into().unwrap());
            memory.add(xsdt, self.table("XSDT"));
        }
        memory.add(rsdt.into(), self.table("RSDT"));
        for (signature, address, length) in &self.index {
            if signature == "RSDT" || signature == "XSDT" {
                continue;
            }
            let bytes = self.table(signature);
            assert_eq!(bytes.len(), *length, "{}: {signature} length", self.name);
            memory.add(*address, bytes);
        }
        memory
    }
}

fn path(machine: &str, file: &str) -> String {
    format!(
        "{}/tests/fixtures/acpi/{machine}/{file}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Sets an SDT's checksum byte (offset 9) so the table verifies again.
pub fn fix_checksum(table: &mut [u8]) {
    table[9] = 0;
    table[9] = 0u8.wrapping_sub(checksum(table));
}

/// The table cut to `len` bytes, with its length field and checksum to match.
pub fn with_length(table: &[u8], len: usize) -> Vec<u8> {
    let mut t = table[..len].to_vec();
    t[4..8].copy_from_slice(&(len as u32).to_le_bytes());
    fix_checksum(&mut t);
    t
}

/// A tiny xorshift64 generator: reproducible "random" mutations without a dependency.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
