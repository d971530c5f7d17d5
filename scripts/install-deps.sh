#!/usr/bin/env bash
# Installs, with apt-get, everything maintenanced needs to build, run its demo and pass its tests
# on Debian 12 (bookworm). Does nothing when all of it is already there. Run as root.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format
  # libraries (sdbus-c++ 1.2 is bookworm's; the xml2cpp generator is in -bin)
  libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev libinih-dev libboost-dev libsqlite3-dev
  # tests
  libgtest-dev libgmock-dev googletest
  # a private system bus for the demo and the integration tests; busctl for people
  dbus-daemon dbus-bin systemd libdbus-1-dev
  # real polkitd for the authorization tests (pkaction, pkcheck, pkttyagent come with it)
  polkitd pkexec libpolkit-gobject-1-dev
  # real systemd as PID 1 in a container for the systemd, logind and PAM tests (pamtester runs a
  # PAM service's account phase there)
  systemd-container systemd-sysv libpam-systemd libpam0g-dev pamtester
  # the PAM module's tests run pam_unix, pam_permit and pam_deny; its man page is built with scdoc
  libpam-modules libpam-runtime passwd scdoc
  # the man pages' tests render them with groff; the completion's test sources bash-completion
  groff-base bash-completion
  # a real local MTA (sendmail -t -oi, delivery to /var/mail) for the email notice tests
  exim4-daemon-light
  # the desktop agent's tests: dunst as the notification server on Xvfb, and a screenshot of it
  # (xwd from x11-apps, xwdtopnm and pnmtopng from netpbm); dunst's font
  dunst xvfb x11-apps netpbm fonts-dejavu-core
  # the Debian packages' test (tests/package): dpkg-buildpackage with debhelper, lintian, and a
  # fresh Debian 12 made by debootstrap, booted in systemd-nspawn (systemd-container, above)
  dpkg-dev debhelper lintian debootstrap
  # the batch helpers' tests (tests/engines, ctest -L slurm): a real slurmctld with munged, and
  # the scontrol and sinfo clients the Slurm helper runs
  slurmctld slurm-client munge
  # the Pacemaker helper's test (tests/engines): a real one-node cluster in the system test's
  # container; crm_attribute, cibadmin and crm_mon are in pacemaker-cli-utils (only a Recommends)
  pacemaker corosync pacemaker-cli-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: these packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
