"""Everything the QEMU rig knows about machines, in one table: which QEMU
binary (and Debian package) runs them, the board, the TPM front end, the
firmware, the guest kernel and its console, and the guest's TPM driver.
Scenarios name a row; rig.py turns a row into a command line. Nothing
else in tests/qemu spells a machine type, device or firmware path.
"""

# Firmware: files it needs (skip if missing), the QEMU arguments; "{tmp}"
# expands to the run's temporary directory (writable copies go there).
FIRMWARE = {
	"seabios": dict(
		package="seabios", files=["/usr/share/seabios/bios-256k.bin"],
		# SeaBIOS prints its log (TPM probing included) on port 0x402.
		args=["-chardev", "file,id=dbg,path={tmp}/{vm}-fw.log",
		      "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]),
	"ovmf": dict(
		package="ovmf", files=["/usr/share/ovmf/OVMF.fd"],
		args=["-bios", "/usr/share/ovmf/OVMF.fd",
		      "-chardev", "file,id=dbg,path={tmp}/{vm}-fw.log",
		      "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]),
	"aavmf": dict(
		package="qemu-efi-aarch64",
		files=["/usr/share/AAVMF/AAVMF_CODE.fd",
		       "/usr/share/AAVMF/AAVMF_VARS.fd"],
		copy={"/usr/share/AAVMF/AAVMF_VARS.fd": "{vm}-vars.fd"},
		args=["-drive", "if=pflash,format=raw,readonly=on,"
		      "file=/usr/share/AAVMF/AAVMF_CODE.fd",
		      "-drive",
		      "if=pflash,format=raw,file={tmp}/{vm}-vars.fd"]),
	None: dict(package=None, files=[], args=[]),
}

# Guest kernels: Debian metapackage (its Depends names the versioned
# package), dpkg architecture, the image inside the package.
KERNELS = {
	"amd64": dict(meta="linux-image-amd64", arch="amd64",
		      image="vmlinuz"),
	# tpm_ibmvtpm and the hvc console are built in
	"ppc64el": dict(meta="linux-image-powerpc64le", arch="ppc64el",
			image="vmlinux"),
}

_X86 = dict(qemu="qemu-system-x86_64", package="qemu-system-x86",
	    board=["-M", "q35"], kernel="amd64", console="ttyS0",
	    cmd_tty="ttyS1", mem="256")

# name: qemu, package, board, mem, smp (default 1), qemu10 (needs QEMU >=
# 8.1: runs the unpacked QEMU 10), tpm (device, with its bus options),
# firmware, kernel (KERNELS key or None: no guest), console and command tty
# in the guest, guest driver; for the qtest client: tis_base (None: found
# in `info mtree`) or i2c (the I2C bus's memory region and the address).
MACHINES = {
	"x86-tis": dict(_X86, tpm="tpm-tis", firmware="seabios",
			driver="tpm_tis"),
	"x86-crb": dict(_X86, tpm="tpm-crb", firmware="seabios",
			driver="tpm_crb"),
	"x86-tis-ovmf": dict(_X86, tpm="tpm-tis", firmware="ovmf",
			     driver="tpm_tis"),
	"x86-tis-qtest": dict(_X86, tpm="tpm-tis", firmware=None,
			      kernel=None, driver=None, tis_base=0xFED40000),
	"aarch64-virt-qtest": dict(
		qemu="qemu-system-aarch64", package="qemu-system-arm",
		board=["-M", "virt", "-cpu", "cortex-a57"], mem="256",
		tpm="tpm-tis-device", firmware=None, kernel=None,
		console=None, cmd_tty=None, driver=None, tis_base=None),
	"aarch64-virt-aavmf": dict(
		qemu="qemu-system-aarch64", package="qemu-system-arm",
		board=["-M", "virt", "-cpu", "cortex-a57"], mem="512",
		tpm="tpm-tis-device", firmware="aavmf", kernel=None,
		console=None, cmd_tty=None, driver=None),
	"ast2600-evb-qtest": dict(
		qemu="qemu-system-arm", package="qemu-system-arm >= 8.1",
		board=["-M", "ast2600-evb"], mem="1G", smp="2", qemu10=True,
		tpm="tpm-tis-i2c,bus=aspeed.i2c.bus.12,address=0x2e",
		firmware=None, kernel=None, console=None, cmd_tty=None,
		driver=None, i2c=("aspeed.i2c.bus.12", 0x2E)),
	"ppc64-spapr": dict(
		qemu="qemu-system-ppc64", package="qemu-system-ppc",
		board=["-M", "pseries"], mem="1024", tpm="tpm-spapr",
		firmware=None, kernel="ppc64el", console="hvc0",
		cmd_tty="hvc1", driver="tpm_ibmvtpm"),
}
