.PHONY: run test lint bench

# Set up everything and serve the demo on http://127.0.0.1:8000: PostgreSQL and Redis with their
# data in .demo/, a Celery worker with beat, the seeded demo enterprise. Ctrl-C stops them all.
run:
	scripts/run.sh

# Set up everything and run the whole suite on real PostgreSQL, Redis and Chromium (it includes
# tests/test_production_smoke.py: collectstatic and gunicorn with the production settings).
test:
	scripts/bootstrap.sh test
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=cms.settings.production SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
		ALLOWED_HOSTS=example.com .venv/bin/python manage.py check --deploy --fail-level WARNING
	scripts/test.sh $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
