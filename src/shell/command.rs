//! Shell command lines: one table of commands (used for parsing and for `help`), and a parser
//! from a line to a [`Command`] or a one-line error.

use crate::input::Layout;
use core::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    Empty,
    Help,
    Echo(&'a str),
    Clear,
    Uptime,
    Mem,
    Tasks,
    Sleep(Duration),
    Bench,
    Keyboard(Layout),
    Breakpoint,
    PageFault,
    StackOverflow,
    Reboot,
    Halt,
    Shutdown,
    Acpi,
    Interrupts,
    Cpus,
    Parallel,
    /// A line naming a program by its path: `/bin/hello`, `/bin/spin 5 &`.
    Run(&'a str),
    Ps,
    Kill(&'a str),
    Ls(&'a str),
    Cat(&'a str),
    Dmesg,
}

pub struct CommandSpec {
    pub name: &'static str,
    pub usage: &'static str,
    pub summary: &'static str,
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        usage: "help",
        summary: "list the commands",
    },
    CommandSpec {
        name: "echo",
        usage: "echo TEXT",
        summary: "print TEXT",
    },
    CommandSpec {
        name: "clear",
        usage: "clear",
        summary: "clear the screen",
    },
    CommandSpec {
        name: "uptime",
        usage: "uptime",
        summary: "time since boot",
    },
    CommandSpec {
        name: "mem",
        usage: "mem",
        summary: "frames and heap in use and free",
    },
    CommandSpec {
        name: "tasks",
        usage: "tasks",
        summary: "list the running tasks",
    },
    CommandSpec {
        name: "sleep",
        usage: "sleep SECONDS",
        summary: "wait (Ctrl-C stops it, as any command)",
    },
    CommandSpec {
        name: "bench",
        usage: "bench",
        summary: "run the allocator benchmarks",
    },
    CommandSpec {
        name: "keyboard",
        usage: "keyboard LAYOUT",
        summary: concat!("switch layout: ", crate::keyboard_layout_names!()),
    },
    CommandSpec {
        name: "breakpoint",
        usage: "breakpoint",
        summary: "run int3 and carry on",
    },
    CommandSpec {
        name: "pagefault",
        usage: "pagefault",
        summary: "touch unmapped memory (fatal)",
    },
    CommandSpec {
        name: "overflow",
        usage: "overflow",
        summary: "overflow the kernel stack (fatal)",
    },
    CommandSpec {
        name: "acpi",
        usage: "acpi",
        summary: "list the ACPI tables",
    },
    CommandSpec {
        name: "interrupts",
        usage: "interrupts",
        summary: "the interrupt controller and counts per vector",
    },
    CommandSpec {
        name: "cpus",
        usage: "cpus",
        summary: "the processors: APIC id, state, ticks, tasks polled",
    },
    CommandSpec {
        name: "parallel",
        usage: "parallel",
        summary: "a CPU-bound job on one CPU, then on all: times and speedup",
    },
    CommandSpec {
        name: "/PATH",
        usage: "/PATH [ARGS] [&]",
        summary: "run a program (Ctrl-C sends it SIGINT; & runs it in the background)",
    },
    CommandSpec {
        name: "ps",
        usage: "ps",
        summary: "list threads and processes with their state and CPU time",
    },
    CommandSpec {
        name: "kill",
        usage: "kill [-SIGNAL] PID",
        summary: "send a signal (default SIGTERM) to a process",
    },
    CommandSpec {
        name: "ls",
        usage: "ls [PATH]",
        summary: "list a directory of the root file system",
    },
    CommandSpec {
        name: "cat",
        usage: "cat PATH",
        summary: "print a file of the root file system",
    },
    CommandSpec {
        name: "dmesg",
        usage: "dmesg",
        summary: "the kernel log since boot (the newest 64 KiB)",
    },
    CommandSpec {
        name: "reboot",
        usage: "reboot",
        summary: "restart the machine",
    },
    CommandSpec {
        name: "halt",
        usage: "halt",
        summary: "stop (ends QEMU and Bochs runs; halts real hardware)",
    },
    CommandSpec {
        name: "shutdown",
        usage: "shutdown",
        summary: "power off (ACPI S5)",
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError<'a> {
    Unknown(&'a str),
    Usage(&'static str),
}

impl core::fmt::Display for ParseError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ParseError::Unknown(name) => {
                write!(f, "unknown command '{name}': type 'help' for the list")
            }
            ParseError::Usage(usage) => write!(f, "usage: {usage}"),
        }
    }
}

const KEYBOARD_USAGE: &str = concat!("keyboard ", crate::keyboard_layout_names!());

/// Longest accepted `sleep`: long enough for any demonstration, short of a typo like 1e9.
const MAX_SLEEP_SECONDS: f64 = 3600.0;

pub fn parse(line: &str) -> Result<Command<'_>, ParseError<'_>> {
    let line = line.trim();
    let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let no_arguments = |command: Command<'static>, usage: &'static str| {
        if rest.is_empty() {
            Ok(command)
        } else {
            Err(ParseError::Usage(usage))
        }
    };
    match name {
        "" => Ok(Command::Empty),
        _ if name.starts_with('/') => Ok(Command::Run(line)),
        "ps" => no_arguments(Command::Ps, "ps"),
        "kill" if !rest.is_empty() => Ok(Command::Kill(rest)),
        "kill" => Err(ParseError::Usage("kill [-SIGNAL] PID")),
        "ls" => Ok(Command::Ls(rest)),
        "cat" if !rest.is_empty() => Ok(Command::Cat(rest)),
        "cat" => Err(ParseError::Usage("cat PATH")),
        "dmesg" => no_arguments(Command::Dmesg, "dmesg"),
        "help" => no_arguments(Command::Help, "help"),
        "echo" => Ok(Command::Echo(rest)),
        "clear" => no_arguments(Command::Clear, "clear"),
        "uptime" => no_arguments(Command::Uptime, "uptime"),
        "mem" => no_arguments(Command::Mem, "mem"),
        "tasks" => no_arguments(Command::Tasks, "tasks"),
        "sleep" => parse_seconds(rest)
            .map(Command::Sleep)
            .ok_or(ParseError::Usage("sleep SECONDS")),
        "bench" => no_arguments(Command::Bench, "bench"),
        "keyboard" => Layout::from_name(rest)
            .map(Command::Keyboard)
            .ok_or(ParseError::Usage(KEYBOARD_USAGE)),
        "breakpoint" => no_arguments(Command::Breakpoint, "breakpoint"),
        "pagefault" => no_arguments(Command::PageFault, "pagefault"),
        "overflow" => no_arguments(Command::StackOverflow, "overflow"),
        "reboot" => no_arguments(Command::Reboot, "reboot"),
        "halt" => no_arguments(Command::Halt, "halt"),
        "shutdown" => no_arguments(Command::Shutdown, "shutdown"),
        "acpi" => no_arguments(Command::Acpi, "acpi"),
        "interrupts" => no_arguments(Command::Interrupts, "interrupts"),
        "cpus" => no_arguments(Command::Cpus, "cpus"),
        "parallel" => no_arguments(Command::Parallel, "parallel"),
        unknown => Err(ParseError::Unknown(unknown)),
    }
}

/// Seconds as a decimal number (`2`, `0.5`), bounded to [`MAX_SLEEP_SECONDS`].
fn parse_seconds(text: &str) -> Option<Duration> {
    let seconds: f64 = text.parse().ok()?;
    (seconds.is_finite() && (0.0..=MAX_SLEEP_SECONDS).contains(&seconds))
        .then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_commands() {
        assert_eq!(parse("help"), Ok(Command::Help));
        assert_eq!(parse("  uptime  "), Ok(Command::Uptime));
        assert_eq!(parse(""), Ok(Command::Empty));
        assert_eq!(parse("shutdown"), Ok(Command::Shutdown));
        assert_eq!(parse("halt"), Ok(Command::Halt));
        assert_eq!(parse("overflow"), Ok(Command::StackOverflow));
        assert_eq!(parse("dmesg"), Ok(Command::Dmesg));
        assert_eq!(parse("dmesg -c"), Err(ParseError::Usage("dmesg")));
    }

    #[test]
    fn echo_keeps_inner_spacing() {
        assert_eq!(parse("echo hello"), Ok(Command::Echo("hello")));
        assert_eq!(parse("echo  a  b "), Ok(Command::Echo("a  b")));
        assert_eq!(parse("echo"), Ok(Command::Echo("")));
    }

    #[test]
    fn sleep_takes_bounded_seconds() {
        assert_eq!(parse("sleep 2"), Ok(Command::Sleep(Duration::from_secs(2))));
        assert_eq!(
            parse("sleep 0.25"),
            Ok(Command::Sleep(Duration::from_millis(250)))
        );
        for bad in [
            "sleep",
            "sleep x",
            "sleep -1",
            "sleep 1e9",
            "sleep NaN",
            "sleep inf",
        ] {
            assert_eq!(parse(bad), Err(ParseError::Usage("sleep SECONDS")), "{bad}");
        }
    }

    #[test]
    fn keyboard_layouts() {
        assert_eq!(parse("keyboard de"), Ok(Command::Keyboard(Layout::De)));
        // Every layout the command line takes, in any case.
        assert_eq!(parse("keyboard fr"), Ok(Command::Keyboard(Layout::Fr)));
        assert_eq!(
            parse("keyboard DVORAK"),
            Ok(Command::Keyboard(Layout::Dvorak))
        );
        for name in Layout::names() {
            assert!(parse(&alloc::format!("keyboard {name}")).is_ok(), "{name}");
        }
        let usage = "keyboard us|uk|de|fr|no|fi|se|dvorak|colemak|jp";
        assert_eq!(parse("keyboard xx"), Err(ParseError::Usage(usage)));
        assert_eq!(parse("keyboard"), Err(ParseError::Usage(usage)));
        let help = COMMANDS
            .iter()
            .find(|spec| spec.name == "keyboard")
            .unwrap();
        assert!(
            help.summary
                .ends_with(crate::input::keyboard::LAYOUT_CHOICES)
        );
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(
            parse("frobnicate now"),
            Err(ParseError::Unknown("frobnicate"))
        );
        assert_eq!(
            alloc::format!("{}", parse("frobnicate").unwrap_err()),
            "unknown command 'frobnicate': type 'help' for the list"
        );
        assert_eq!(parse("mem extra"), Err(ParseError::Usage("mem")));
    }

    #[test]
    fn program_lines_parse() {
        assert_eq!(parse("/bin/spin 5 &"), Ok(Command::Run("/bin/spin 5 &")));
        assert_eq!(parse("ls"), Ok(Command::Ls("")));
        assert_eq!(parse("kill"), Err(ParseError::Usage("kill [-SIGNAL] PID")));
        assert_eq!(parse("cat"), Err(ParseError::Usage("cat PATH")));
    }

    #[test]
    fn every_command_in_the_table_parses() {
        for spec in COMMANDS {
            let line = match spec.name {
                "sleep" => "sleep 1",
                "keyboard" => "keyboard us",
                "kill" => "kill 1",
                "cat" => "cat /etc/motd",
                "/PATH" => "/bin/hello &",
                name => name,
            };
            assert!(parse(line).is_ok(), "{line}");
        }
    }
}
