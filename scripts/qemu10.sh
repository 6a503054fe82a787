#!/bin/sh
# Unpacks QEMU 10.0 from bookworm-backports into a private prefix
# (default /opt/swtpm-ng-qemu10) with dpkg-deb -x, beside Debian 12's QEMU
# 7.2, which stays the installed one: tests/qemu runs the machines that need
# QEMU >= 8.1 (ast2600-evb + tpm-tis-i2c) there, and any scenario on 10 with
# QEMU_PREFIX=<prefix>. Adds the bookworm-backports source if apt has none
# (needs root). Usage: scripts/qemu10.sh [PREFIX]
set -e
prefix=${1:-/opt/swtpm-ng-qemu10}
pkgs="qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-data
qemu-system-common"
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d; then
	printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" \
	    "Suites: bookworm-backports" "Components: main" \
	    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
	    $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
	$SUDO apt-get update -qq
fi
want=$(apt-cache policy -t bookworm-backports qemu-system-arm |
    sed -n 's/^  Candidate: //p')
case $want in
*bpo12*) ;;
*) echo "qemu10.sh: no QEMU from bookworm-backports (candidate '$want')" >&2
   exit 1 ;;
esac
if [ -f "$prefix/.version" ] && [ "$(cat "$prefix/.version")" = "$want" ]; then
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"	# apt's _apt sandbox user writes there
# shellcheck disable=SC2086
(cd "$tmp" && apt-get download -qq -t bookworm-backports $pkgs)
$SUDO rm -rf "$prefix.new"
$SUDO mkdir -p "$prefix.new"
for d in "$tmp"/*.deb; do
	$SUDO dpkg-deb -x "$d" "$prefix.new"
done
echo "$want" | $SUDO tee "$prefix.new/.version" >/dev/null
$SUDO rm -rf "$prefix"
$SUDO mv "$prefix.new" "$prefix"
echo "QEMU $want unpacked in $prefix"
