//! From the RSDP to every table: the root table (XSDT preferred over RSDT, ACPI 6.5 §5.2.7 and
//! §5.2.8), looking tables up by signature, and the listing for the `acpi` shell command.

use core::fmt;

use super::bytes::{u32_at, u64_at};
use super::error::{AcpiError, Signature};
use super::fadt::Fadt;
use super::hpet::Hpet;
use super::madt::Madt;
use super::rsdp::Rsdp;
use super::s5::{self, SleepType};
use super::sdt::{HEADER_LEN, PhysMemory, Sdt, SdtHeader, map};

/// Which root table lists the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKind {
    /// 32-bit entries (ACPI 6.5 §5.2.7).
    Rsdt,
    /// 64-bit entries (ACPI 6.5 §5.2.8).
    Xsdt,
}

impl RootKind {
    fn entry_len(self) -> usize {
        match self {
            Self::Rsdt => 4,
            Self::Xsdt => 8,
        }
    }

    fn signature(self) -> Signature {
        match self {
            Self::Rsdt => Signature::RSDT,
            Self::Xsdt => Signature::XSDT,
        }
    }
}

/// One line of the table listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableInfo {
    pub phys: u64,
    /// The header, if it could be mapped.
    pub header: Option<SdtHeader>,
    /// Whether the whole table verifies (length and checksum).
    pub check: Result<(), AcpiError>,
}

/// One line for the `acpi` shell command: `FACP  0x000000001ffe1a8b    116  BOCHS   ok`.
impl fmt::Display for TableInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.header {
            Some(h) => {
                write!(f, "{}  {:#018x}  {:>7}  ", h.signature, self.phys, h.length)?;
                for &b in &h.oem_id {
                    let c = if b.is_ascii_graphic() { b as char } else { ' ' };
                    write!(f, "{c}")?;
                }
            }
            None => write!(f, "????  {:#018x}  {:>7}  {:6}", self.phys, "?", "")?,
        }
        match self.check {
            Ok(()) => write!(f, "  ok"),
            Err(e) => write!(f, "  {e}"),
        }
    }
}

/// The tables reachable from one RSDP, read through `memory`.
pub struct AcpiTables<'m, M: PhysMemory + ?Sized> {
    memory: &'m M,
    pub rsdp: Rsdp,
    kind: RootKind,
    root_phys: u64,
    root: Sdt<'m>,
    /// Why the XSDT was passed over for the RSDT, if it was.
    pub xsdt_error: Option<AcpiError>,
}

impl<'m, M: PhysMemory + ?Sized> AcpiTables<'m, M> {
    /// Verifies the root table: the XSDT if the RSDP names one and it verifies, else the RSDT.
    pub fn new(memory: &'m M, rsdp: Rsdp) -> Result<Self, AcpiError> {
        let xsdt_error = match rsdp.xsdt_address {
            Some(_) => match Self::with_root(memory, rsdp, RootKind::Xsdt) {
                Ok(tables) => return Ok(tables),
                Err(e) => Some(e),
            },
            None => None,
        };
        let mut tables = Self::with_root(memory, rsdp, RootKind::Rsdt)?;
        tables.xsdt_error = xsdt_error;
        Ok(tables)
    }

    /// Uses the given root table and no other.
    pub fn with_root(memory: &'m M, rsdp: Rsdp, kind: RootKind) -> Result<Self, AcpiError> {
        let root_phys = match kind {
            RootKind::Xsdt => rsdp
                .xsdt_address
                .ok_or(AcpiError::TableNotFound(Signature::XSDT)),
            RootKind::Rsdt => match rsdp.rsdt_address {
                0 => Err(AcpiError::TableNotFound(Signature::RSDT)),
                address => Ok(address.into()),
            },
        }?;
        let root = Sdt::load(memory, root_phys, Some(kind.signature()))?;
        if root.body().len() % kind.entry_len() != 0 {
            return Err(AcpiError::BadLength {
                signature: kind.signature(),
                length: root.header.length,
                reason: "the entries are not a whole number of addresses",
            });
        }
        Ok(Self {
            memory,
            rsdp,
            kind,
            root_phys,
            root,
            xsdt_error: None,
        })
    }

    pub fn root_kind(&self) -> RootKind {
        self.kind
    }

    /// The root table and its physical address.
    pub fn root(&self) -> (u64, Sdt<'m>) {
        (self.root_phys, self.root)
    }

    /// The physical addresses the root table lists, in order (zero entries skipped).
    pub fn addresses(&self) -> impl Iterator<Item = u64> + 'm {
        let body = self.root.body();
        let kind = self.kind;
        (0..body.len() / kind.entry_len())
            .filter_map(move |i| match kind {
                RootKind::Rsdt => u32_at(body, i * 4).map(u64::from),
                RootKind::Xsdt => u64_at(body, i * 8),
            })
            .filter(|&a| a != 0)
    }

    /// Every listed table with its header and whether it verifies, then the DSDT named by the
    /// FADT (which the root table does not list). For the `acpi` shell command.
    pub fn listing(&self) -> impl Iterator<Item = TableInfo> + '_ {
        let dsdt = self.fadt().ok().and_then(|f| f.dsdt_address);
        self.addresses().chain(dsdt).map(|phys| {
            let header = map(self.memory, phys, HEADER_LEN).and_then(SdtHeader::parse);
            TableInfo {
                phys,
                header: header.ok(),
                check: Sdt::load(self.memory, phys, None).map(|_| ()),
            }
        })
    }

    /// Every listed table with this signature, each verified.
    pub fn find_all(
        &self,
        signature: Signature,
    ) -> impl Iterator<Item = Result<Sdt<'m>, AcpiError>> + '_ {
        self.addresses()
            .filter(move |&phys| {
                map(self.memory, phys, HEADER_LEN)
                    .and_then(SdtHeader::parse)
                    .is_ok_and(|h| h.signature == signature)
            })
            .map(move |phys| Sdt::load(self.memory, phys, Some(signature)))
    }

    /// The first verified table with this signature; if every one fails, the first failure.
    pub fn find(&self, signature: Signature) -> Result<Sdt<'m>, AcpiError> {
        let mut first_error = None;
        for table in self.find_all(signature) {
            match table {
                Ok(sdt) => return Ok(sdt),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(AcpiError::TableNotFound(signature)))
    }

    pub fn madt(&self) -> Result<Madt<'m>, AcpiError> {
        Madt::parse(self.find(Signature::MADT)?)
    }

    pub fn fadt(&self) -> Result<Fadt, AcpiError> {
        Fadt::parse(self.find(Signature::FADT)?)
    }

    pub fn hpet(&self) -> Result<Hpet, AcpiError> {
        Hpet::parse(self.find(Signature::HPET)?)
    }

    /// The DSDT the FADT names.
    pub fn dsdt(&self) -> Result<Sdt<'m>, AcpiError> {
        let address = self
            .fadt()?
            .dsdt_address
            .ok_or(AcpiError::TableNotFound(Signature::DSDT))?;
        Sdt::load(self.memory, address, Some(Signature::DSDT))
    }

    /// `\_S5` from the DSDT, else from the first SSDT that declares it. SSDTs that fail to
    /// verify are skipped.
    pub fn s5(&self) -> Result<SleepType, AcpiError> {
        let dsdt = self.dsdt();
        let ssdts = self.find_all(Signature::SSDT).filter_map(Result::ok);
        match s5::find_s5(dsdt.iter().copied().chain(ssdts)) {
            // With no readable DSDT, say so rather than "no _S5".
            Err(AcpiError::NoS5) => dsdt.and(Err(AcpiError::NoS5)),
            other => other,
        }
    }
}
