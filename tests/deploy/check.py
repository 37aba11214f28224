#!/usr/bin/env python3
"""Checks the deployment files without a container runtime (CI has no docker, no kubectl).

  - deploy/seccomp-kring.json: a Docker seccomp profile (defaultAction SCMP_ACT_ERRNO,
    archMap, rules) whose one kring rule allows exactly io_uring_setup/enter/register,
    and which otherwise allows what a program needs (read, write, socket, epoll, ...);
  - deploy/docker-compose.yml (PyYAML): 3 controllers and 3 brokers of apache/kafka with
    separate roles, unique node ids, one cluster id (a 16-byte base64url UUID), quorum
    voters naming the controllers; the topic service; kring services built from the
    Dockerfile, with the seccomp profile, bootstrap on the brokers' internal listener,
    and KRING_INSTANCE values that cover 0..N-1 once;
  - deploy/k8s/*.yaml: an Indexed Job whose KRING_INSTANCES equals its completions, a
    Localhost seccomp profile named seccomp-kring.json, non-root, kring produce;
  - Dockerfile: multi-stage from debian:bookworm; the build stage runs the project's own
    commands (scripts/setup.sh --build, which setup.sh accepts; cmake -G Ninja as
    scripts/test.sh does, with options the top CMakeLists.txt declares; ninja); the
    runtime stage installs the runtime packages of the -dev libraries setup.sh installs,
    runs as a non-root user and has kring as its ENTRYPOINT.

  tests/deploy/check.py [SOURCE_DIR]     exit 0 when all hold, 1 with the list otherwise
"""
import base64
import json
import os
import re
import shlex
import sys

try:
    import yaml
except ImportError:
    sys.exit("check.py: PyYAML is missing: install python3-yaml (scripts/setup.sh)")

root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(__file__), "..", ".."))
problems = []


def check(cond, msg):
    if not cond:
        problems.append(msg)
    return cond


def read(rel):
    with open(os.path.join(root, rel)) as f:
        return f.read()


IO_URING = {"io_uring_setup", "io_uring_enter", "io_uring_register"}


def check_profile(rel):
    prof = json.loads(read(rel))
    check(prof.get("defaultAction") == "SCMP_ACT_ERRNO", f"{rel}: defaultAction")
    check(any(a.get("architecture") == "SCMP_ARCH_X86_64" for a in prof.get("archMap", [])),
          f"{rel}: no x86-64 in archMap")
    allowed = set()
    allowed_some_way = set()
    for rule in prof["syscalls"]:
        names = set(rule.get("names", []))
        if rule.get("action") == "SCMP_ACT_ALLOW":
            allowed_some_way |= names
        if rule.get("action") == "SCMP_ACT_ALLOW" and not rule.get("args") \
                and not rule.get("includes") and not rule.get("excludes"):
            allowed |= names
        if names & IO_URING:
            check(names == IO_URING and rule.get("action") == "SCMP_ACT_ALLOW"
                  and not rule.get("args") and not rule.get("includes"),
                  f"{rel}: the io_uring rule must allow exactly the three calls, always")
    check(IO_URING <= allowed, f"{rel}: io_uring is not allowed")
    check("socket" in allowed_some_way, f"{rel}: socket is not allowed")
    needed = {"read", "write", "connect", "epoll_wait", "epoll_ctl", "mmap", "futex",
              "sendmsg", "recvfrom", "clock_gettime", "exit_group", "execve"}
    check(needed <= allowed, f"{rel}: missing {sorted(needed - allowed)}")
    check(len(allowed) > 300, f"{rel}: only {len(allowed)} calls allowed: not Docker's default")


def env_of(svc):
    env = svc.get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def check_compose(rel):
    d = yaml.safe_load(read(rel))
    svcs = d.get("services", {})
    roles = {}
    for name, s in svcs.items():
        if str(s.get("image", "")).startswith("apache/kafka:") and "KAFKA_PROCESS_ROLES" in env_of(s):
            roles[name] = env_of(s)
    ctrl = sorted(n for n, e in roles.items() if e["KAFKA_PROCESS_ROLES"] == "controller")
    brok = sorted(n for n, e in roles.items() if e["KAFKA_PROCESS_ROLES"] == "broker")
    check(len(ctrl) == 3 and len(brok) == 3,
          f"{rel}: want 3 controllers and 3 brokers (separate roles), have {ctrl} {brok}")
    ids = [roles[n]["KAFKA_NODE_ID"] for n in ctrl + brok]
    check(len(set(ids)) == len(ids), f"{rel}: node ids not unique: {ids}")
    cids = {roles[n].get("CLUSTER_ID") for n in roles}
    check(len(cids) == 1, f"{rel}: CLUSTER_ID differs between nodes")
    cid = next(iter(cids))
    try:
        ok = len(base64.urlsafe_b64decode(cid + "==")) == 16 and len(cid) == 22
    except Exception:
        ok = False
    check(ok, f"{rel}: CLUSTER_ID {cid!r} is not a base64url 16-byte UUID")
    for n in ctrl + brok:
        voters = roles[n].get("KAFKA_CONTROLLER_QUORUM_VOTERS", "")
        want = {f"{roles[c]['KAFKA_NODE_ID']}@{c}:9093" for c in ctrl}
        check(set(voters.split(",")) == want, f"{rel}: {n}: quorum voters {voters!r}")
    internal = set()
    for n in brok:
        adv = roles[n].get("KAFKA_ADVERTISED_LISTENERS", "")
        m = re.search(r"INTERNAL://([^,]+)", adv)
        if check(m is not None, f"{rel}: {n}: no INTERNAL advertised listener"):
            internal.add(m.group(1))
    topic = [n for n, s in svcs.items() if "kafka-topics.sh" in json.dumps(s.get("command", ""))]
    check(len(topic) == 1, f"{rel}: want one service creating the topic (kafka-topics.sh)")
    kring = {n: s for n, s in svcs.items() if str(s.get("image", "")).startswith("kring:")}
    check(len(kring) >= 1, f"{rel}: no kring service")
    insts = []
    for n, s in kring.items():
        b = s.get("build", {})
        ctx = os.path.normpath(os.path.join(root, os.path.dirname(rel), b.get("context", ".")))
        check(os.path.isfile(os.path.join(ctx, b.get("dockerfile", "Dockerfile"))),
              f"{rel}: {n}: its build context has no Dockerfile")
        sec = [o for o in s.get("security_opt", []) if o.startswith("seccomp=")]
        if check(len(sec) == 1, f"{rel}: {n}: no seccomp security_opt"):
            path = os.path.join(os.path.dirname(rel), sec[0].split("=", 1)[1])
            check(os.path.isfile(os.path.join(root, path)), f"{rel}: {n}: no file {path}")
            check(os.path.basename(path) == "seccomp-kring.json", f"{rel}: {n}: profile {path}")
        cmd = s.get("command", [])
        check(cmd[:1] == ["produce"], f"{rel}: {n}: command is not kring produce")
        if "-b" in cmd:
            boot = set(cmd[cmd.index("-b") + 1].split(","))
            check(boot <= internal and boot, f"{rel}: {n}: bootstrap {boot} not the brokers' "
                  f"internal listeners {internal}")
        dep = s.get("depends_on", {})
        check(topic and topic[0] in dep, f"{rel}: {n}: does not wait for the topic service")
        inst = env_of(s).get("KRING_INSTANCE")
        if inst:
            insts.append(tuple(int(x) for x in inst.split("/")))
    if insts:
        ns = {n for _, n in insts}
        check(len(ns) == 1 and sorted(i for i, _ in insts) == list(range(ns.pop())),
              f"{rel}: KRING_INSTANCE values {insts} do not cover 0..N-1 once")


def check_k8s(rel):
    docs = [x for x in yaml.safe_load_all(read(rel)) if x]
    jobs = [x for x in docs if x.get("kind") == "Job"]
    check(len(jobs) == 1, f"{rel}: want one Job")
    for j in jobs:
        spec = j["spec"]
        check(spec.get("completionMode") == "Indexed", f"{rel}: completionMode is not Indexed")
        pod = spec["template"]["spec"]
        sc = pod.get("securityContext", {})
        prof = sc.get("seccompProfile", {})
        check(prof.get("type") == "Localhost" and
              str(prof.get("localhostProfile", "")).endswith("seccomp-kring.json"),
              f"{rel}: seccompProfile is not Localhost seccomp-kring.json")
        check(sc.get("runAsNonRoot") is True, f"{rel}: runAsNonRoot")
        c = pod["containers"][0]
        check(str(c.get("image", "")).startswith("kring:"), f"{rel}: image")
        check(c.get("args", [])[:1] == ["produce"], f"{rel}: args are not kring produce")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        check(env.get("KRING_INSTANCES") == str(spec.get("completions")),
              f"{rel}: KRING_INSTANCES {env.get('KRING_INSTANCES')} != completions "
              f"{spec.get('completions')}")
        check("JOB_COMPLETION_INDEX" not in env, f"{rel}: JOB_COMPLETION_INDEX is Kubernetes'")


def dockerfile_stages(text):
    """[(from_line, [(instruction, args)])] with continuation lines joined."""
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ins, _, args = line.partition(" ")
        if ins.upper() == "FROM":
            stages.append((args, []))
        elif stages:
            stages[-1][1].append((ins.upper(), args.strip()))
    return stages


def check_dockerfile(rel):
    stages = dockerfile_stages(read(rel))
    if not check(len(stages) == 2, f"{rel}: want two stages (build, runtime)"):
        return
    (bfrom, build), (rfrom, run) = stages
    check(bfrom.startswith("debian:bookworm") and bfrom.endswith("AS build"),
          f"{rel}: build stage FROM {bfrom}")
    check(rfrom.startswith("debian:bookworm"), f"{rel}: runtime stage FROM {rfrom}")
    runs = [a for i, a in build if i == "RUN"]
    setup = read("scripts/setup.sh")
    check(any(a.startswith("bash scripts/setup.sh --build") for a in runs),
          f"{rel}: the build stage does not run scripts/setup.sh --build")
    check(re.search(r"^\s*all \| --build\)", setup, re.M) is not None,
          "scripts/setup.sh does not accept --build")
    cmake_runs = [a for a in runs if a.startswith("cmake -S . -B ")]
    check(len(cmake_runs) == 1, f"{rel}: want one 'cmake -S . -B' configure step")
    test_sh = read("scripts/test.sh")
    top = read("CMakeLists.txt")
    for a in cmake_runs:
        words = shlex.split(a)
        check(words[5:7] == ["-G", "Ninja"] and "-G Ninja" in test_sh,
              f"{rel}: configure with -G Ninja as scripts/test.sh does")
        for w in words:
            m = re.match(r"-D(KR_\w+)=", w)
            if m:
                check(re.search(r"option\(%s\b|set\(%s\b" % (m.group(1), m.group(1)), top),
                      f"{rel}: {m.group(1)} is not an option of CMakeLists.txt")
    check(any(a.startswith("ninja -C build") for a in runs) and "ninja -C " in test_sh,
          f"{rel}: the build stage does not build with ninja -C as scripts/test.sh does")
    check(any(a.startswith("cmake --install build") for a in runs),
          f"{rel}: the build stage does not cmake --install")
    devs = re.findall(r"\b(lib[a-z0-9]+)-dev\b", setup.split("build_pkgs=(")[1].split(")")[0])
    rt = " ".join(a for i, a in run if i == "RUN")
    for dev in devs:
        check(re.search(r"\b%s[0-9-]*\d\b" % re.escape(dev), rt) is not None,
              f"{rel}: the runtime stage lacks the runtime package of {dev}-dev")
    users = [a for i, a in run if i == "USER"]
    check(users and not users[-1].startswith(("root", "0")), f"{rel}: runtime runs as root")
    check(("ENTRYPOINT", '["kring"]') in run, f"{rel}: ENTRYPOINT is not [\"kring\"]")
    prefix = [a for i, a in build if i == "ARG" and a.startswith("KR_PREFIX=")]
    copies = [a for i, a in run if i == "COPY" and a.startswith("--from=build")]
    check(prefix and copies and copies[0].split()[1] == prefix[0].split("=", 1)[1] + "/bin/kring",
          f"{rel}: the runtime stage does not copy the installed kring from KR_PREFIX")


def main():
    check_profile("deploy/seccomp-kring.json")
    check_compose("deploy/docker-compose.yml")
    for f in sorted(os.listdir(os.path.join(root, "deploy/k8s"))):
        if f.endswith(".yaml"):
            check_k8s(f"deploy/k8s/{f}")
    check_dockerfile("Dockerfile")
    for p in problems:
        print("FAIL: " + p)
    print("deploy check: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
