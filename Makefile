# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv/ and install what they need (bubblewrap through apt when missing).
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint build install bwrap chromium postgres clean

demo: install bwrap
	$(PYTHON) -m grader.demo

test: install bwrap chromium postgres
	bash tests/run.sh

lint: install
	$(VENV)/bin/ruff check keras_course grader tests benchmarks

build: install bwrap
	$(VENV)/bin/grader build

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@echo "Installing the course and the grader into $(VENV)/ (pip's own output goes to $(VENV)/install.log)"
	python3 -m venv $(VENV)
	@$(PYTHON) -m pip install --quiet --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(PYTHON) -m pip install --quiet -c constraints.txt -e ".[instructor,cluster,postgres,dev]" >> $(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log; echo "The install failed: the lines above say why (also in $(VENV)/install.log)."; exit 1; }
	touch $(STAMP)

bwrap:
	@command -v bwrap >/dev/null 2>&1 || { \
		echo "Installing bubblewrap with apt (the grader's sandbox)"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; }

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing chromium with apt (the class report is checked in a headless browser)"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "Installing postgresql with apt (a test grades into a real PostgreSQL gradebook)"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

clean:
	rm -rf demo .grader .pytest_cache
