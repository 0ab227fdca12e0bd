# Thin front for the README's commands; the work is done by scripts/install.sh and the
# `straatkubus` command line.
.DEFAULT_GOAL := help
VENV_BIN := .venv/bin

.PHONY: help install demo test down lint

help: ## Show the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

install: ## Install what is missing (apt packages, the two virtual environments)
	@bash scripts/install.sh

demo: install ## Set up everything and start the demo (PostgreSQL, data, dbt, Superset)
	@$(VENV_BIN)/straatkubus demo

test: install ## Run every test against real PostgreSQL, Superset and Chromium
	@$(VENV_BIN)/pytest

down: ## Stop everything the demo started
	@$(VENV_BIN)/straatkubus down

lint: ## ruff on the Python code, sqlfluff on the audit's SQL (the dbt models need a database: `make test`)
	@$(VENV_BIN)/ruff check straatkubus tests superset/superset_config.py
	@cd straatkubus/publish/audit/sql && $(CURDIR)/$(VENV_BIN)/sqlfluff lint .
