#!/usr/bin/env python3
"""Writes deploy/seccomp-kring.json: Docker's default seccomp profile plus io_uring.

Docker 25+ (moby/moby PR #46762, "seccomp: block io_uring_* syscalls in default
profile") left io_uring_setup, io_uring_enter and io_uring_register out of its default
profile's allow list, so they fail with EPERM (the profile's defaultErrnoRet). This
takes that profile, unchanged, and adds one rule allowing the three calls.

  python3 deploy/seccomp-kring.py DEFAULT_JSON > deploy/seccomp-kring.json

DEFAULT_JSON: the profile as moby ships it, github.com/moby/profiles/seccomp's
default.json (deploy/seccomp-kring.json was made from v0.2.3, as vendored by
moby/moby). To refresh: take the newer default.json and run this again.
"""
import json
import sys

IO_URING = ["io_uring_setup", "io_uring_enter", "io_uring_register"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        prof = json.load(f)
    if prof.get("defaultAction") != "SCMP_ACT_ERRNO" or not isinstance(prof.get("syscalls"), list):
        sys.exit("seccomp-kring: not a Docker default profile (defaultAction, syscalls)")
    have = {n for rule in prof["syscalls"] for n in rule.get("names", [])
            if rule.get("action") == "SCMP_ACT_ALLOW"}
    if set(IO_URING) & have:
        sys.exit("seccomp-kring: this profile already allows io_uring; use it as it is")
    prof["syscalls"].append({
        "names": IO_URING,
        "action": "SCMP_ACT_ALLOW",
        "comment": "kring: its producer engine does its network I/O through io_uring",
    })
    json.dump(prof, sys.stdout, indent="\t")
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
