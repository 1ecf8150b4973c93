# Two commands do everything: `make book` and `make test`. Both create .venv when missing.
PY      ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
BIN     := $(abspath $(VENV))/bin
STAMP   := $(VENV)/.installed
# Kernels started by nbgrader, nbval and JupyterLab must be this venv's python.
export PATH := $(BIN):$(PATH)

.PHONY: book test test-all release serve lab clean system-deps help

help:
	@echo "make book    build the HTML book (_build/html) and the student versions (exercises/release)"
	@echo "make test    the first stage of the tests, under 15 minutes (builds the book first)"
	@echo "make test-all the second stage: JupyterHub, PostgreSQL, crash kills, every page and"
	@echo "             practice form, Notebook 7 twins (CI runs both)"
	@echo "make serve   serve the built book on http://127.0.0.1:8000"
	@echo "make lab     open JupyterLab on the course (instructor view)"
	@echo "make clean   remove the built book and nbgrader's generated folders"

# The JupyterLab 4 / Notebook 7 extension `ipt-forms` (TypeScript in labextension/), built by
# the ecosystem's builder (@jupyter/builder; versions pinned by labextension/package-lock.json)
# into ipt_helpers/labextension/, which the package ships prebuilt (hatchling shared-data): the
# install below copies it where both front ends find it. Its rules follow the book's assets.
# The book needs this build too: its practice forms are drawn by the extension's renderer,
# labextension/lib/render.js, which book/_ext/practice.py ships as _static/ipt-render.js.
LABEXT  := ipt_helpers/labextension/package.json

$(STAMP): pyproject.toml constraints.txt $(LABEXT)
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -c constraints.txt -e '.[instructor,dev]'
	touch $(STAMP)

# A second, minimal environment for the kernels (the package's kernel side only: no nbgrader,
# Dask or matplotlib) of `ipt-course grade` when it runs as root:
# each kernel then runs as its own unprivileged user, who cannot read a Python under /root
# (pyenv's), so this one is made from Debian's python3.11 when that exists. Those users must
# reach it too: in a clone they cannot reach (a 0700 folder such as `mktemp -d` makes), it is
# built under /var/lib with its own copy of ipt_helpers instead of an editable link.
SYSPY   := /usr/bin/python3.11
KSHARED := /var/lib/ipt-curriculum
KVENV   := $(shell if [ "$$(id -u)" = 0 ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups \
             test -r '$(CURDIR)/pyproject.toml' 2>/dev/null; then \
             echo $(KSHARED)/venv-kernel-$$(echo '$(CURDIR)' | sha1sum | cut -c1-12); \
             else echo .venv-kernel; fi)
KSTAMP  := $(KVENV)/.installed
KEDIT   := $(filter .venv-kernel,$(KVENV))
export IPT_SANDBOX_PYTHON := $(if $(wildcard $(SYSPY)),$(abspath $(KVENV))/bin/python,)
$(KSTAMP): pyproject.toml constraints.txt $(if $(KEDIT),,$(shell find ipt_helpers -name "*.py"))
	@if [ -x $(SYSPY) ]; then \
	  $(if $(KEDIT),,install -d -m 755 $(KSHARED) &&) \
	  { test -x $(KVENV)/bin/python || $(SYSPY) -m venv $(KVENV); } && \
	  $(KVENV)/bin/python -m pip install -q -c constraints.txt $(if $(KEDIT),-e) . && \
	  $(if $(KEDIT),,$(KVENV)/bin/python -m pip install -q --no-deps --force-reinstall . &&) \
	  chmod -R go+rX $(KVENV) && touch $(KSTAMP) && echo "kernel environment: $(KVENV)"; \
	else echo "no $(SYSPY): ipt-course grade as root will refuse without --sandbox-python or --no-sandbox (see README)"; mkdir -p $(KVENV); touch $(KSTAMP); fi

# Debian packages the tests need: chromium (browser tests), postgresql (the PostgreSQL gradebook),
# python3.11 with venv (the grading kernels' environment; the JupyterHub course's, as setup.sh makes it).
system-deps:
	@if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    || ! /usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null; then \
	  [ "$$(id -u)" = 0 ] || { echo "chromium, postgresql or python3.11-venv is missing: run 'sudo make system-deps'"; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql \
	    python3.11 python3.11-venv >/dev/null; fi

# Browser assets from the npm registry, pinned by package-lock.json: the ipywidgets manager
# (RequireJS + @jupyter-widgets/html-manager) the book self-hosts, axe-core for the browser tests.
ASSETS  := book/_static/vendor
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
$(ASSETS)/.copied: node_modules/.installed
	rm -rf $(ASSETS) && mkdir -p $(ASSETS)/html-manager
	cp node_modules/requirejs/require.js $(ASSETS)/
	cp node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js \
	   node_modules/@jupyter-widgets/html-manager/dist/*.woff* $(ASSETS)/html-manager/
	touch $@
labextension/node_modules/.installed: labextension/package.json labextension/package-lock.json
	cd labextension && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@
$(LABEXT): labextension/node_modules/.installed labextension/tsconfig.json \
           $(wildcard labextension/src/*.ts labextension/style/*)
	cd labextension && npm run --silent build
	touch $@

# The book also prepares the kernels' Python ($(KSTAMP)): `ipt-course grade` run as root
# refuses to grade without it (unless --no-sandbox).
book: $(STAMP) $(KSTAMP) $(ASSETS)/.copied
	jupyter-book build . -W -n --keep-going
	$(MAKE) --no-print-directory release
	@echo "Book: $(CURDIR)/_build/html/index.html"
	@echo "Student versions: $(CURDIR)/exercises/release/"

release: $(STAMP)
	ipt-course --course exercises release --force

# Two stages (README, "Tests"): `make test` leaves out what is marked `full`; `make test-all`
# runs just that. Test files run on both cores (pytest-xdist), each file on one worker so that
# its module-scoped servers and browsers start once; then the browser tests (tests/browser) run
# on their own, one at a time: a student's keystrokes go through a kernel and a front end, and
# starving them of CPU tests the machine, not the forms.
PYTEST  := python -m pytest
test: $(STAMP) $(KSTAMP) system-deps book
	$(PYTEST) -n 2 --dist loadfile -m "not full and not browser"
	$(PYTEST) -m "not full and browser"

test-all: $(STAMP) $(KSTAMP) system-deps book
	$(PYTEST) -n 2 --dist loadfile -m "full and not browser"
	$(PYTEST) -m "full and browser"

serve: $(STAMP)
	python -m http.server --bind 127.0.0.1 --directory _build/html 8000

# The instructor's view: nbgrader's Create Assignment panel, course list and menu, which the
# ipt-forms extension hides for students, are switched back on (ipt_helpers/course/lab_config/).
lab: $(STAMP)
	cd exercises && JUPYTER_CONFIG_PATH=$$(python -m ipt_helpers.course.lab_config) jupyter lab --ip=127.0.0.1

clean:
	rm -rf _build exercises/release exercises/submitted exercises/autograded exercises/feedback exercises/gradebook.db \
	  book/_static/vendor node_modules labextension/node_modules labextension/lib ipt_helpers/labextension
