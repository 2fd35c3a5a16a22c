.PHONY: run test lint bench

# Set up everything and serve the demo on http://127.0.0.1:8000 (SQLite, eager Celery).
run:
	scripts/bootstrap.sh run
	.venv/bin/python manage.py migrate --noinput
	.venv/bin/python manage.py seed_demo
	.venv/bin/python manage.py runserver 127.0.0.1:8000

# Set up everything and run the whole suite on real PostgreSQL, Redis and Chromium.
test:
	scripts/bootstrap.sh test
	.venv/bin/ruff check .
	DJANGO_SETTINGS_MODULE=cms.settings.production SECRET_KEY=check-deploy-$$(date +%s)-0123456789abcdefghijklmnopqrstuvwxyz \
		ALLOWED_HOSTS=example.com .venv/bin/python manage.py check --deploy --fail-level WARNING
	scripts/test.sh $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
