# Set-up and everyday commands. Needs only python3 (3.11+) and make on the machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SHARED ?= ../shared
DEMO   ?= demo

.PHONY: install browser demo test test-fast lint bench bench-scale clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian's chromium and chromedriver for the review page's browser test (never a downloaded
# browser). Needs root or sudo; where neither is possible the browser test skips and says why.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "could not install chromium/chromedriver: the browser test will skip"; \
	elif command -v sudo >/dev/null; then (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "could not install chromium/chromedriver: the browser test will skip"; \
	else echo "chromium/chromedriver not installed and no root: the browser test will skip"; fi

demo: install
	rm -rf $(DEMO)/out* $(DEMO)/probation.sqlite  # each demo starts afresh (its store included)
	$(BIN)/probation generate --scale region --region "East Midlands" --seed 42 --tight \
		--date 2026-11-23 --upw-outcomes --both-share 0.1 --out $(DEMO)/data --boundaries $(SHARED)/data/boundaries
	$(BIN)/probation allocate --data $(DEMO)/data --out $(DEMO)/out --db sqlite:///$(DEMO)/probation.sqlite \
		--osm $(SHARED)/data/osm/rutland-highways.osm.bz2
	$(BIN)/probation recommend --data $(DEMO)/data --results $(DEMO)/out --top 3 \
		--osm $(SHARED)/data/osm/rutland-highways.osm.bz2 \
		--case "$$(awk -F, '$$4=="Rutland PDU" && $$15=="" {print $$1; exit}' $(DEMO)/data/cases.csv)"
	$(BIN)/probation reallocate --data $(DEMO)/data --out $(DEMO)/out-reallocation --pdu "Rutland PDU" \
		--practitioner RUTL007-002 --reason left --db sqlite:///$(DEMO)/probation.sqlite \
		--osm $(SHARED)/data/osm/rutland-highways.osm.bz2
	$(BIN)/probation map --data $(DEMO)/data --pdu "Rutland PDU" --mode public_transport \
		--osm $(SHARED)/data/osm/rutland-highways.osm.bz2 --out $(DEMO)/out/rutland-map.html
	$(BIN)/probation upw plan --data $(DEMO)/data --week 2026-W48 --out $(DEMO)/out-upw \
		--db sqlite:///$(DEMO)/probation.sqlite --osm $(SHARED)/data/osm/rutland-highways.osm.bz2
	$(BIN)/probation groups plan --data $(DEMO)/data --from 2026-11-23 --out $(DEMO)/out-groups \
		--db sqlite:///$(DEMO)/probation.sqlite --osm $(SHARED)/data/osm/rutland-highways.osm.bz2
	$(BIN)/probation groups replan --data $(DEMO)/data --from 2026-11-23 --out $(DEMO)/out-groups \
		--db sqlite:///$(DEMO)/probation.sqlite --osm $(SHARED)/data/osm/rutland-highways.osm.bz2 \
		--facilitator-off "$$(awk -F, 'NR==2 {print $$1; exit}' $(DEMO)/data/facilitators.csv)@2026-12-14..2026-12-25"
	$(BIN)/probation groups running --data $(DEMO)/data --from 2026-11-23 --on 2027-01-11 \
		--db sqlite:///$(DEMO)/probation.sqlite --out $(DEMO)/out-groups/next/groups_running.csv
	$(BIN)/probation calendar --db sqlite:///$(DEMO)/probation.sqlite --from 2026-11-23 \
		--person "$$(awk -F, 'NR==FNR {if (FNR > 1) upw[$$1]=1; next} FNR > 1 && ($$2 in upw) {print $$2; exit}' $(DEMO)/data/upw_people.csv $(DEMO)/out-groups/group_members.csv)"
	@echo
	@echo "Start the service, with Rutland PDU's night, Unpaid Work week and programme quarter submitted to it:"
	@echo "  $(BIN)/probation serve --keys api/keys.example.toml --work $(DEMO)/api --osm $(SHARED)/data/osm/rutland-highways.osm.bz2 \\"
	@echo "      --submit $(DEMO)/data --region 'East Midlands' --pdu 'Rutland PDU' --week 2026-W48 --from 2026-11-23"
	@echo "then open each page (it asks for the key once; 'latest' is the newest finished run the key sees):"
	@echo "  SPO review           http://127.0.0.1:8000/review/latest          key demo-spo-rutland-change-me"
	@echo "  Unpaid Work week     http://127.0.0.1:8000/pages/upw/latest       key demo-coordinator-rutland-change-me"
	@echo "  programme quarter    http://127.0.0.1:8000/pages/groups/latest    key demo-interventions-em-change-me"
	@echo "  one person           http://127.0.0.1:8000/pages/person/latest/$$(awk -F, 'NR==FNR {if ($$3=="Rutland PDU") upw[$$1]=1; next} ($$1 in upw) {print $$1; exit}' $(DEMO)/data/upw_people.csv $(DEMO)/data/referrals.csv)   key demo-coordinator-rutland-change-me"
	@echo "  analyst              http://127.0.0.1:8000/pages/analyst          key demo-reader-rutland-change-me"
	@echo "  API docs             http://127.0.0.1:8000/docs                   header X-API-Key: demo-admin-key-change-me"

# Everything, as CI runs it: the style checks, then every test: those not marked slow in two
# pytest-xdist workers (as test-fast), then the slow ones in one process (the page-speed and
# signal tests time real work, and failed in two workers with both cores busy).
test: install browser lint
	$(BIN)/python -m pytest -q -m "not slow" -n 2
	$(BIN)/python -m pytest -q -m slow

# The everyday loop: every test not marked slow (public instances, browser, PostgreSQL, SIGKILL,
# the national generator, the travel CLI on the road network,
# schemathesis, Dask), in under two minutes: in two pytest-xdist workers (one after another
# they took 119-176 s on the 2-core machine).
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow" -n 2

lint: install
	$(BIN)/ruff check engine solvers geo api benchmarks tests
	$(BIN)/ruff format --check engine solvers geo api benchmarks tests
	$(BIN)/mypy

bench: install
	$(BIN)/python -m pytest -q benchmarks/test_bench.py --benchmark-only --benchmark-columns=min,mean,max,rounds

bench-scale: install
	$(BIN)/python benchmarks/scale.py --out benchmarks/results

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .benchmarks *.egg-info
