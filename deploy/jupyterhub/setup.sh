#!/usr/bin/env bash
# One-machine JupyterHub for the IPT course, as root on Debian 12 (bookworm). Idempotent.
#   deploy/jupyterhub/setup.sh WHEEL INSTRUCTOR STUDENT...
# WHEEL: the ipt-helpers wheel (`make book && python -m build --wheel` in a clone), or the
# path of a clone. Where things go (the defaults are the README's; tests/infra/test_hub_course.py
# runs this script with its own folders):
#   IPT_OPT (/opt/ipt: the course's venv and the proxy), IPT_EXCHANGE (/srv/nbgrader/exchange),
#   IPT_HUB_STATE (/srv/jupyterhub), IPT_JUPYTER_ETC (/etc/jupyter: the global nbgrader config)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
wheel="$1"; instructor="$2"; shift 2
opt="${IPT_OPT:-/opt/ipt}"
exchange="${IPT_EXCHANGE:-/srv/nbgrader/exchange}"
state="${IPT_HUB_STATE:-/srv/jupyterhub}"
etc="${IPT_JUPYTER_ETC:-/etc/jupyter}"
# Debian packages: only those missing (venv support for Debian's Python 3.11, Node.js for the proxy)
missing=()
/usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null || missing+=(python3.11-venv)
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The course's Python, readable by all users (pyenv's, under /root, is not).
install -d -m 755 "$opt"
test -x "$opt/venv/bin/python" || /usr/bin/python3.11 -m venv "$opt/venv"
"$opt/venv/bin/pip" install -q -c "$here/../../constraints.txt" "$wheel[instructor]" \
  "jupyterhub>=5,<7" "jupyterlab>=4.6,<4.7" "notebook>=7.6,<7.7"
test -x "$opt/node_modules/.bin/configurable-http-proxy" \
  || (cd "$opt" && npm install --no-audit --no-fund configurable-http-proxy@5.2.0 >/dev/null)
ln -sf "$opt/node_modules/.bin/configurable-http-proxy" "$opt/venv/bin/"
chmod -R go+rX "$opt"
# Users: the instructor and each student, each with a home of their own that no other user
# can read (useradd makes it 0755 on Debian: students would read each other's work).
for user in "$instructor" "$@"; do
  id "$user" >/dev/null 2>&1 || useradd -m -K HOME_MODE=0700 -s /bin/bash "$user"
done
# The exchange (nbgrader: world-writable with the sticky bit) and the hub's state.
install -d -m 1777 "$exchange"
install -d -m 700 "$state"
printf '%s\n' "$@" > "$state/students.txt"
install -d -m 755 "$etc"
sed "s#\"/srv/nbgrader/exchange\"#\"$exchange\"#" "$here/nbgrader_config.py" > "$etc/nbgrader_config.py"
chmod 644 "$etc/nbgrader_config.py"
install -m 644 "$here/jupyterhub_config.py" "$state/jupyterhub_config.py"
echo "Set passwords (passwd USER), then start the hub:"
echo "  cd $state && IPT_INSTRUCTOR=$instructor IPT_VENV=$opt/venv IPT_HUB_STATE=$state $opt/venv/bin/jupyterhub -f jupyterhub_config.py"
echo "The instructor makes the course: su - $instructor -c '$opt/venv/bin/ipt-course init ~/course --from CLONE/exercises'"
