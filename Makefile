# Convene: the commands a developer, an evaluator and CI need.
#
#   make run      install, then start PostgreSQL (embedded unless DATABASE_URL
#                 is set), migrate, seed the demo, and serve with a Celery
#                 worker and beat; Ctrl-C stops everything
#   make test     install, then the whole test suite on PostgreSQL
#
# Everything else: `make help`.
#
# Importing settings starts nothing: with no DATABASE_URL, each command that needs
# the database runs inside `python -m config.embedded -- ...`, which starts (or
# reuses) the embedded PostgreSQL under var/pg and sets DATABASE_URL for it.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV := .venv
PY := $(VENV)/bin/python
# Python used to create the virtual environment (3.11 or newer).
PYTHON ?=
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="tests/partnership -k sign_in"`.
PYTEST_ARGS ?=

.PHONY: help install run test lint lint-manifests format migrate seed stop lock lock-upgrade clean clean-data

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-11s %s\n", $$1, $$2}'

install: ## create .venv, install the locked Python and npm packages, build the assets (quick when nothing changed)
	@
	say() { printf '==> %s\n' "$$*"; }
	die() { printf '\n*** make install: %s\n\n' "$$*" >&2; exit 1; }
	hash_of() { if [ $$# -gt 0 ]; then cat "$$@" 2>/dev/null || true; fi | sha256sum | cut -c1-64; }
	is_new_enough() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

	# 1. The virtual environment, with Python 3.11 or newer.
	if [ -x $(PY) ] && ! is_new_enough $(PY); then
	  say "$(VENV) is broken or older than Python 3.11: recreating it"
	  rm -rf $(VENV)
	fi
	if [ ! -x $(PY) ]; then
	  python="$(PYTHON)"
	  if [ -z "$$python" ]; then
	    for candidate in python3 python3.13 python3.12 python3.11; do
	      if command -v "$$candidate" >/dev/null && is_new_enough "$$candidate"; then python="$$candidate"; break; fi
	    done
	  fi
	  [ -n "$$python" ] && is_new_enough "$$python" || \
	    die "Convene needs Python 3.11 or newer (found: $$(python3 --version 2>&1 || echo 'no python3')). Install it, or point PYTHON= at it."
	  say "creating $(VENV) with $$("$$python" --version)"
	  "$$python" -m venv $(VENV) || die "'$$python -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)."
	fi

	# 2. Python packages, exactly as locked.
	key="$$(hash_of requirements/lock.txt) $$($(PY) -c 'import sys; print(sys.version)' | head -1)"
	if [ "$$(cat $(VENV)/.convene-installed 2>/dev/null)" != "$$key" ]; then
	  say "installing Python packages from requirements/lock.txt"
	  $(PY) -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	  printf '%s' "$$key" > $(VENV)/.convene-installed
	fi

	# 3. Front-end packages and the compiled stylesheet (GOV.UK Frontend).
	if [ -f package.json ]; then
	  command -v node >/dev/null || die "Node.js (20 or newer) is needed to build the GOV.UK Frontend assets: install it from your package manager or nodejs.org."
	  command -v npm >/dev/null || die "npm is needed to build the GOV.UK Frontend assets: install it with Node.js."
	  key="$$(hash_of package.json package-lock.json) node $$(node --version)"
	  if [ ! -d node_modules ] || [ "$$(cat node_modules/.convene-installed 2>/dev/null)" != "$$key" ]; then
	    say "installing npm packages"
	    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
	    printf '%s' "$$key" > node_modules/.convene-installed
	  fi
	  sources="$$(find static -path static/build -prune -o -type f -print 2>/dev/null | LC_ALL=C sort || true)"
	  key="$$key $$(hash_of $$sources) $$(printf '%s' "$$sources" | sha256sum | cut -c1-64)"
	  if [ -z "$$(ls -A static/build 2>/dev/null)" ] || [ "$$(cat node_modules/.convene-built 2>/dev/null)" != "$$key" ]; then
	    say "building static assets (npm run build)"
	    npm run --silent build
	    printf '%s' "$$key" > node_modules/.convene-built
	  fi
	else
	  say "no package.json yet: skipping the npm install and asset build"
	fi

	# 4. Debian's Chromium for the browser tests (never a Playwright browser download).
	if [ ! -x /usr/bin/chromium ]; then
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	    say "installing Debian's chromium for the browser tests"
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	  else
	    say "WARNING: /usr/bin/chromium is missing; install Debian's chromium package to run the browser tests"
	  fi
	fi

run: install ## serve Convene at http://127.0.0.1:8000 (PORT=n to change) with a Celery worker and beat; Ctrl-C stops it all
	@$(PY) scripts/run.py

test: install ## run the whole test suite (fails when no test ran)
	@
	mkdir -p var
	log=var/test-output.log
	# The suite always runs on the test settings (pyproject.toml), whatever the shell says.
	unset DJANGO_SETTINGS_MODULE
	# pytest-django builds fresh test databases from the migrations on every
	# run (no --reuse-db), so the test schema can never be stale.
	set +e
	$(PY) -m config.embedded -- $(PY) -m pytest -n auto $(PYTEST_ARGS) 2>&1 | tee "$$log"
	status=$${PIPESTATUS[0]}
	set -e
	summary="$$(sed 's/\x1b\[[0-9;]*m//g' "$$log" | grep -E '^=+ .* in [0-9.]+s' | tail -n 1 || true)"
	passed="$$(printf '%s' "$$summary" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' || echo 0)"
	if [ "$$status" = 5 ]; then
	  printf '\n*** make test: NO TESTS RAN (pytest exit 5). A run that tests nothing is a failure.\n\n' >&2; exit 1
	elif [ "$$status" != 0 ]; then
	  printf '\n*** make test: FAILED (pytest exit %s)\n\n' "$$status" >&2; exit "$$status"
	elif [ "$$passed" = 0 ]; then
	  printf '\n*** make test: pytest reported no passed test (%s). A run that tests nothing is a failure.\n\n' "$${summary:-no summary}" >&2; exit 1
	fi
	printf '\nmake test: OK (%s passed)\n' "$$passed"

lint: install ## ruff, ruff format --check, mypy, Django's system checks and makemigrations --check
	@
	failed=""
	step() { printf '==> %s\n' "$$*"; "$$@" || failed="$$failed\n  $$*"; }
	step $(PY) -m ruff check .
	step $(PY) -m ruff format --check .
	step $(PY) -m mypy .
	step $(PY) -m config.embedded -- $(PY) manage.py check
	step $(PY) -m config.embedded -- $(PY) manage.py makemigrations --check --dry-run
	step $(MAKE) lint-manifests
	if [ -n "$$failed" ]; then printf "\n*** make lint: FAILED:$$failed\n\n" >&2; exit 1; fi
	printf '\nmake lint: all checks passed\n'

MANIFEST_TOOLS := var/manifest-tools

lint-manifests: ## validate the Kubernetes manifests (deploy/k8s) against the API schemas and scan them with checkov
	@
	# The tools live in their own environment (requirements/manifests.lock.txt), apart from the app's.
	key="$$(cat requirements/manifests.lock.txt | sha256sum | cut -c1-64)"
	if [ "$$(cat $(MANIFEST_TOOLS)/.convene-installed 2>/dev/null)" != "$$key" ]; then
	  printf '==> installing the manifest tools from requirements/manifests.lock.txt\n'
	  rm -rf $(MANIFEST_TOOLS)
	  "$$(test -x $(PY) && echo $(PY) || echo python3)" -m venv $(MANIFEST_TOOLS)
	  $(MANIFEST_TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/manifests.lock.txt
	  printf '%s' "$$key" > $(MANIFEST_TOOLS)/.convene-installed
	fi
	manifests="$$(find deploy/k8s -name '*.yaml' ! -name kustomization.yaml | LC_ALL=C sort)"
	# Every manifest is part of the kustomization, and nothing it names is missing.
	for dir in $$(find deploy/k8s -name kustomization.yaml -exec dirname {} \;); do
	  for f in $$(find "$$dir" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml -printf '%f\n'); do
	    grep -qE "^  - $$f$$" "$$dir/kustomization.yaml" || { printf '*** %s/%s is not listed in its kustomization.yaml\n' "$$dir" "$$f" >&2; exit 1; }
	  done
	  for f in $$(sed -nE 's/^  - ([^ ]+\.yaml)$$/\1/p' "$$dir/kustomization.yaml"); do
	    [ -f "$$dir/$$f" ] || { printf '*** %s/kustomization.yaml names %s, which does not exist\n' "$$dir" "$$f" >&2; exit 1; }
	  done
	done
	$(MANIFEST_TOOLS)/bin/kubernetes-validate --strict --quiet $$manifests
	# --skip-download: scan with the checks in the package only, no call to the vendor's platform.
	$(MANIFEST_TOOLS)/bin/checkov --directory deploy/k8s --framework kubernetes --compact --quiet --skip-download

format: install ## fix what ruff can fix and format the code
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

migrate: install ## apply the database migrations
	$(PY) -m config.embedded -- $(PY) manage.py migrate

seed: install ## create (or top up) the demo partnership and print the demo logins
	$(PY) -m config.embedded -- $(PY) manage.py seed_demo

stop: ## stop the embedded PostgreSQL if it is running (make run and make test leave it up between commands)
	@if [ -x $(PY) ]; then $(PY) scripts/run.py --stop-embedded; fi

lock: ## re-resolve requirements/lock.txt after editing requirements/*.in, keeping the existing pins
	@$(MAKE) _lock LOCK_CONSTRAINTS="-c requirements/lock.txt"

lock-upgrade: ## re-resolve requirements/lock.txt with the newest versions the .in files allow
	@$(MAKE) _lock LOCK_CONSTRAINTS=

_lock:
	@
	python="$$(test -x $(PY) && echo $(PY) || echo python3)"
	rm -rf var/lock-venv
	"$$python" -m venv var/lock-venv
	var/lock-venv/bin/python -m pip install --quiet --disable-pip-version-check $(LOCK_CONSTRAINTS) -r requirements/dev.in
	{
	  echo "# Every Python package Convene installs, pinned (requirements/base.in and dev.in resolved)."
	  echo "# make install installs exactly this; after editing a .in file run \`make lock\`."
	  var/lock-venv/bin/python -m pip freeze --exclude-editable
	} > requirements/lock.txt.new
	mv requirements/lock.txt.new requirements/lock.txt
	rm -rf var/lock-venv
	git diff --stat -- requirements/lock.txt || true

clean: stop ## remove the environments, builds and caches (keeps the database in var/pg)
	rm -rf $(VENV) node_modules static/build var/staticfiles var/celery var/test-output.log test-results
	rm -rf .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './node_modules/*' -prune -exec rm -rf {} +

clean-data: stop ## delete the local data too: the embedded database, queued tasks and uploaded documents under var/
	rm -rf var
