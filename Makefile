# Kestrel: `make run` boots the kernel in QEMU, `make test` runs every test. Both install what
# is missing first (tools/install-deps.sh). See README.md for the rest.

SHELL := bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := run

TARGET      := x86_64-unknown-none
HOST_TARGET := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
BUILD       := build
ISO         := $(BUILD)/kestrel.iso
KERNEL      := target/$(TARGET)/release/kestrel
DEBUG_KERNEL := target/$(TARGET)/debug/kestrel
DEBUG_ISO   := $(BUILD)/kestrel-debug.iso
BENCH_KERNEL := target/$(TARGET)/release/bench
BENCH_ISO   := $(BUILD)/kestrel-bench.iso
# User programs (user/): static ET_EXEC binaries on the Linux system-call ABI.
USER_BIN    := user/target/$(TARGET)/release
USER_RUSTFLAGS := -C relocation-model=static -C link-arg=--no-pie -C link-arg=-zmax-page-size=0x1000 \
                  -C force-frame-pointers=yes
BENCH_NOISY_ISO := $(BUILD)/kestrel-bench-tcg.iso
BENCH_SMP_KERNEL := target/$(TARGET)/release/bench_smp
BENCH_SMP_ISO := $(BUILD)/kestrel-bench-smp.iso

# The initramfs: user programs under /bin, rootfs/ (etc/motd), then ROOTFS_EXTRA laid over it.
INITRAMFS   := $(BUILD)/initramfs.cpio
ROOTFS_EXTRA ?=

# Knobs (run and run-uefi): make run MEMORY=4G MACHINE=q35 SMP=4 CMDLINE="loglevel=debug"
MEMORY  ?= 128M
MACHINE ?= pc
SMP     ?= 1
CMDLINE ?=
QEMU    := qemu-system-x86_64 -accel tcg -machine $(MACHINE) -m $(MEMORY) -smp $(SMP) -cpu max -net none \
           -device isa-debug-exit,iobase=0xf4,iosize=0x04
# A window when a display exists; otherwise the serial console in this terminal (Ctrl-A X quits).
ifneq ($(DISPLAY)$(WAYLAND_DISPLAY),)
QEMU_CONSOLE := -serial mon:stdio
else
QEMU_CONSOLE := -nographic
endif

.PHONY: deps kernel user initramfs bench-user bench-smp iso run run-uefi debug bochs bench bench-linux test unit-test kernel-test boot-checks clippy fmt \
        fmt-check lint clean

deps:
	@tools/install-deps.sh

kernel: deps
	cargo build --release

# The user programs build in a workspace of their own (user/Cargo.toml), with their own flags.
# The C programs of user/c/ are static musl binaries, unchanged Linux programs: /bin/c-NAME.
# user/std-demo is a Rust program on std for Linux (static musl, static-PIE): /bin/std-demo.
C_PROGRAMS := $(patsubst user/c/%.c,%,$(wildcard user/c/*.c))
STD_TARGET := x86_64-unknown-linux-musl
STD_RUSTFLAGS := -C target-feature=+crt-static
STD_BIN    := user/std-demo/target/$(STD_TARGET)/release
user: deps
	@tools/install-deps.sh musl
	cd user && RUSTFLAGS="$(USER_RUSTFLAGS)" cargo build --release --target $(TARGET)
	for program in $(C_PROGRAMS); do \
		musl-gcc -static -O2 -Wall -Wextra -Werror -o $(USER_BIN)/c-$$program user/c/$$program.c; \
	done
	cd user/std-demo && RUSTFLAGS="$(STD_RUSTFLAGS)" cargo build --release --target $(STD_TARGET)
	cp $(STD_BIN)/std-demo $(USER_BIN)/std-demo

# Rebuilt every time: ROOTFS_EXTRA's contents are not tracked by make. Debian's static
# busybox goes in as /bin/busybox with its applet links (tools/build-rootfs.sh).
initramfs: user
	@tools/install-deps.sh busybox
	@mkdir -p $(BUILD)
	tools/build-rootfs.sh $(INITRAMFS) $(USER_BIN) $(ROOTFS_EXTRA)

iso: kernel initramfs
	INITRAMFS=$(INITRAMFS) STAGE_DIR=iso COMPRESS=xz MKSYMS_VERBOSE=1 grub/mkiso.sh $(KERNEL) $(ISO) "$(CMDLINE)"
	@echo "built $(ISO) ($$(du -h $(ISO) | cut -f1))"

run: iso
	$(QEMU) $(QEMU_CONSOLE) -cdrom $(ISO) || [ $$? -eq 33 ]

# The same ISO under UEFI firmware (OVMF), with a fresh copy of its variable store each run.
run-uefi: iso
	$(QEMU) $(QEMU_CONSOLE) $$(tools/ovmf-args.sh $(BUILD)/ovmf-vars.fd) -cdrom $(ISO) \
		|| [ $$? -eq 33 ]

# QEMU waits for gdb on port 1234; tools/gdbinit loads the symbols and connects.
debug: deps initramfs
	cargo build
	INITRAMFS=$(INITRAMFS) grub/mkiso.sh $(DEBUG_KERNEL) $(DEBUG_ISO) "$(CMDLINE)"
	@echo "QEMU is waiting for gdb: run 'gdb -x tools/gdbinit' in another terminal"
	$(QEMU) $(QEMU_CONSOLE) -s -S -cdrom $(DEBUG_ISO) || true

bochs: iso
	@tools/install-deps.sh bochs $(if $(DISPLAY),bochs-x)
	tools/bochs.sh $(ISO)

# Allocator and frame-allocator benchmarks (docs/bench.md) in a release kernel; frames_50k
# needs 512 MiB. The headline run is deterministic: under -icount shift=0 the guest TSC advances
# with executed instructions, so the same binary prints the same figures every time. NOISY=1
# adds a plain-TCG run after it, labelled noisy. The lines and tables land in build/bench.log.
BENCH_QEMU := qemu-system-x86_64 -machine pc -m 512M -cpu max -net none -no-reboot \
              -display none -serial stdio -monitor none \
              -device isa-debug-exit,iobase=0xf4,iosize=0x04
NOISY ?=
bench: deps
	cargo build --release --bin bench
	grub/mkiso.sh $(BENCH_KERNEL) $(BENCH_ISO) "bench.mode=icount"
	@mkdir -p $(BUILD)
	$(BENCH_QEMU) -accel tcg -icount shift=0,align=off -cdrom $(BENCH_ISO) \
		| tee $(BUILD)/bench.log || [ $$? -eq 33 ]
	$(MAKE) --no-print-directory bench-smp
ifneq ($(NOISY),)
	grub/mkiso.sh $(BENCH_KERNEL) $(BENCH_NOISY_ISO) "bench.mode=tcg"
	$(BENCH_QEMU) -accel tcg -cdrom $(BENCH_NOISY_ISO) \
		| tee -a $(BUILD)/bench.log || [ $$? -eq 33 ]
endif

# The SMP figures (docs/smp.md): the same deterministic QEMU with 2 and then 4 CPUs. Under
# -icount the virtual CPUs take turns on one host thread, so the figures count instructions,
# not parallel time: a speedup cannot show there (bench-smp NOISY=1 adds a plain-TCG run).
bench-smp: deps
	cargo build --release --bin bench_smp
	grub/mkiso.sh $(BENCH_SMP_KERNEL) $(BENCH_SMP_ISO)
	@mkdir -p $(BUILD)
	for cpus in 2 4; do \
		$(BENCH_QEMU) -smp $$cpus -accel tcg -icount shift=0,align=off -cdrom $(BENCH_SMP_ISO) \
			| grep --line-buffered 'bench smp' | tee -a $(BUILD)/bench.log || [ $$? -eq 33 ]; \
	done
ifneq ($(NOISY),)
	for cpus in 2 4; do \
		$(BENCH_QEMU) -smp $$cpus -accel tcg -cdrom $(BENCH_SMP_ISO) \
			| grep --line-buffered 'bench smp' | sed -u 's/^/noisy: /' \
			| tee -a $(BUILD)/bench.log || [ $$? -eq 33 ]; \
	done
endif

# The user benchmark program on Kestrel (src/bin/bench_user.rs runs it from the initramfs),
# under the deterministic QEMU of bench-linux, printed next to Linux 6.1's figures.
bench-user: deps initramfs
	cargo build --release --bin bench_user
	INITRAMFS=$(INITRAMFS) grub/mkiso.sh target/$(TARGET)/release/bench_user $(BUILD)/kestrel-bench-user.iso
	tools/bench-user.sh $(BUILD)/kestrel-bench-user.iso $(BUILD)/bench-user.log

# The user benchmark program as PID 1 of Debian's Linux kernel, under the same deterministic
# QEMU as `make bench`: the anchor that Kestrel's user-level figures are compared with.
bench-linux: user
	STD_DEMO=$(USER_BIN)/std-demo tools/bench-linux.sh $(USER_BIN)/bench $(USER_BIN)/true $(BUILD)/bench-linux.log

test: deps
	@tools/install-deps.sh bochs
	@mkdir -p $(BUILD)
	@status=0; \
	$(MAKE) --no-print-directory -k unit-test kernel-test boot-checks 2>&1 \
		| tee $(BUILD)/test.log || status=$$?; \
	tools/test-summary.sh $(BUILD)/test.log && exit $$status

unit-test:
	cargo test --lib --target $(HOST_TARGET)
	cargo test -p heap-designs --target $(HOST_TARGET)

# The test kernels that run programs boot with the initramfs (tests/runner.sh).
kernel-test: initramfs
	KESTREL_INITRAMFS=$(abspath $(INITRAMFS)) KESTREL_USER_BIN=$(abspath $(USER_BIN)) \
		cargo test --no-fail-fast

boot-checks: iso
	tests/boot_checks.sh $(KERNEL) $(ISO)

clippy:
	cargo clippy --all-targets -- -D warnings
	cd user && RUSTFLAGS="$(USER_RUSTFLAGS)" cargo clippy --release --target $(TARGET) -- -D warnings
	cd user/std-demo && RUSTFLAGS="$(STD_RUSTFLAGS)" cargo clippy --release --target $(STD_TARGET) -- -D warnings
	cargo clippy --lib --profile test --target $(HOST_TARGET) -- -D warnings
	cargo clippy -p heap-designs --all-targets --target $(HOST_TARGET) -- -D warnings

fmt:
	cargo fmt
	cd user && cargo fmt
	cd user/std-demo && cargo fmt

fmt-check:
	cargo fmt --check
	cd user && cargo fmt --check
	cd user/std-demo && cargo fmt --check

lint: fmt-check clippy

clean:
	cargo clean
	cd user && cargo clean
	cd user/std-demo && cargo clean
	rm -rf $(BUILD) iso/boot
