#!/usr/bin/env bash
# One-machine JupyterHub for the IPT course, as root on Debian 12 (bookworm). Idempotent.
#   deploy/jupyterhub/setup.sh WHEEL INSTRUCTOR STUDENT...
# WHEEL: the ipt-helpers wheel (`make book && python -m build --wheel` in a clone).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
wheel="$1"; instructor="$2"; shift 2
apt-get update -qq
apt-get install -y -qq python3.11-venv nodejs npm >/dev/null
# The course's Python, readable by all users (pyenv's, under /root, is not).
install -d -m 755 /opt/ipt
test -x /opt/ipt/venv/bin/python || /usr/bin/python3.11 -m venv /opt/ipt/venv
/opt/ipt/venv/bin/pip install -q -c "$here/../../constraints.txt" "$wheel[instructor]" \
  "jupyterhub>=5,<7" "jupyterlab>=4.6,<4.7" "notebook>=7.6,<7.7"
(cd /opt/ipt && npm install --no-audit --no-fund configurable-http-proxy@5.2.0 >/dev/null \
  && ln -sf /opt/ipt/node_modules/.bin/configurable-http-proxy /opt/ipt/venv/bin/)
# Users: the instructor and each student, each with a home of their own that no other user
# can read (useradd makes it 0755 on Debian: students would read each other's work).
for user in "$instructor" "$@"; do
  id "$user" >/dev/null 2>&1 || useradd -m -K HOME_MODE=0700 -s /bin/bash "$user"
done
# The exchange (nbgrader: world-writable with the sticky bit) and the hub's state.
install -d -m 1777 /srv/nbgrader/exchange
install -d -m 700 /srv/jupyterhub
printf '%s\n' "$@" > /srv/jupyterhub/students.txt
install -D -m 644 "$here/nbgrader_config.py" /etc/jupyter/nbgrader_config.py
install -m 644 "$here/jupyterhub_config.py" /srv/jupyterhub/jupyterhub_config.py
echo "Set passwords (passwd USER), then start the hub:"
echo "  cd /srv/jupyterhub && IPT_INSTRUCTOR=$instructor /opt/ipt/venv/bin/jupyterhub -f jupyterhub_config.py"
echo "The instructor makes the course: su - $instructor -c '/opt/ipt/venv/bin/ipt-course init ~/course --from CLONE/exercises'"
