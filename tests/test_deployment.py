"""The deployment files (Dockerfile, docker-compose.yml, .env.example) agree with the code.

No Docker engine is needed: the files are read and checked against the settings, the
Celery app and the WSGI application they name, so a rename or a new setting cannot
leave them silently out of date. Nothing here touches the database.
"""

import importlib
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve

from bromley_portal.celery import app as celery_app
from tests.conftest import skip_or_fail
from tests.test_settings import production_env

try:
    import yaml
except ImportError:  # PyYAML is a development dependency
    yaml = None

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_FILE = ROOT / "bromley_portal" / "settings.py"

PORTAL_SERVICES = ("web", "worker", "beat")
WEASYPRINT_PACKAGES = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "fonts-liberation",
    "fonts-dejavu-core",
)
PLACEHOLDERS = {"", "change-me"}


# Reading the files --------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    if yaml is None:
        skip_or_fail("needs PyYAML to read docker-compose.yml")
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    pairs = []
    for text in logical:
        instruction, _, arguments = text.partition(" ")
        pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage: the image that runs."""
    instructions = dockerfile_instructions()
    last_from = max(i for i, (instruction, _) in enumerate(instructions) if instruction == "FROM")
    return instructions[last_from:]


def exec_form(arguments: str) -> list[str]:
    """The JSON array of a CMD or HEALTHCHECK CMD written in exec form."""
    return json.loads(arguments[arguments.index("[") :])


def as_list(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def volume_mounts(service: dict) -> dict[str, str]:
    """Named-volume (and bind) mounts of a service, as {target: source}."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source"), volume["target"]
        mounts[target] = source
    return mounts


def option_value(command: list[str], *names: str) -> str:
    for index, word in enumerate(command):
        if word in names:
            return command[index + 1]
        for name in names:
            if name.startswith("--") and word.startswith(name + "="):
                return word.split("=", 1)[1]
    raise AssertionError(f"{' '.join(command)!r} has no {' or '.join(names)} option")


def variables_the_settings_read() -> set[str]:
    """Every environment variable bromley_portal/settings.py reads through the env helpers."""
    return set(re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS_FILE.read_text()))


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def gunicorn_command() -> list[str]:
    cmds = [arguments for instruction, arguments in final_stage() if instruction == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    command = exec_form(cmds[-1])
    assert command[0] == "gunicorn"
    return command


# The services -------------------------------------------------------------------


def test_the_compose_file_has_the_database_redis_web_worker_and_beat(compose, services):
    assert "version" not in compose, "the Compose specification has no version key"
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_the_database_and_redis_have_healthchecks_and_the_database_a_named_volume(compose, services):
    assert "pg_isready" in " ".join(as_list(services["db"]["healthcheck"]["test"]))
    assert "ping" in as_list(services["redis"]["healthcheck"]["test"])
    data = volume_mounts(services["db"])["/var/lib/postgresql/data"]
    assert data in compose["volumes"]


def test_the_portal_services_run_the_image_built_from_the_dockerfile(services):
    images = {services[name].get("image") for name in PORTAL_SERVICES}
    assert len(images) == 1
    for name in PORTAL_SERVICES:
        assert services[name].get("build") in (".", {"context": "."}), name


def test_migrations_run_once_before_web_worker_and_beat_start(services):
    migrate = services["migrate"]
    assert as_list(migrate["command"])[-3:] == ["manage.py", "migrate", "--noinput"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate.get("restart") == "no"
    for name in PORTAL_SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy", name


# Celery -------------------------------------------------------------------------


def test_the_worker_listens_on_the_pdf_queue(services):
    queues = set(option_value(as_list(services["worker"]["command"]), "--queues", "-Q").split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert "pdf" in routed, "report tasks are expected to be routed to the pdf queue"
    assert "pdf" in queues


def test_the_worker_listens_on_every_queue_the_settings_send_tasks_to(services):
    queues = set(option_value(as_list(services["worker"]["command"]), "--queues", "-Q").split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert {settings.CELERY_TASK_DEFAULT_QUEUE, *routed} <= queues
    assert "default" in queues


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_the_worker_and_beat_run_the_portals_celery_app(services, service):
    from celery.app.utils import find_app

    command = as_list(services[service]["command"])
    assert command[0] == "celery"
    assert service in command
    name = option_value(command, "-A", "--app")
    assert name == "bromley_portal"
    assert find_app(name) is celery_app


def test_beat_keeps_its_schedule_file_somewhere_the_portal_user_can_write(services):
    command = as_list(services["beat"]["command"])
    # The code in /app is read-only for the portal user; /tmp is the container's own.
    assert option_value(command, "--schedule", "-s").startswith("/tmp/")  # noqa: S108


# Generated files ----------------------------------------------------------------


def test_web_and_worker_share_the_media_volume_at_media_root(compose, services):
    mounts = {}
    for name in ("web", "worker"):
        media_root = environment_of(services[name]).get("MEDIA_ROOT")
        assert media_root, f"{name} does not set MEDIA_ROOT"
        source = volume_mounts(services[name]).get(media_root)
        assert source, f"{name} mounts nothing at its MEDIA_ROOT {media_root}"
        assert source in (compose.get("volumes") or {}), f"{name}: {source} is not a named volume"
        mounts[name] = (source, media_root)
    assert mounts["web"] == mounts["worker"]


def test_the_image_creates_media_root_for_the_portal_user(services):
    """A new named volume takes the ownership of the directory it is mounted over."""
    media_root = environment_of(services["web"])["MEDIA_ROOT"]
    runs = " ".join(arguments for instruction, arguments in final_stage() if instruction == "RUN")
    assert f"mkdir -p {media_root}" in runs
    assert re.search(rf"chown \S+ {re.escape(media_root)}", runs)


# The web server -----------------------------------------------------------------


def test_gunicorns_wsgi_application_can_be_imported_and_freezes_the_loaded_portal():
    """Loading the WSGI module, as each gunicorn worker does, leaves what it loaded (the URLconf's views and
    forms with the rest) out of the garbage collector's full collections (gc.freeze)."""
    import gc
    import sys

    target = next(word for word in gunicorn_command() if re.fullmatch(r"[\w.]+:\w+", word))
    module_name, _, attribute = target.partition(":")
    sys.modules.pop(module_name, None)  # loaded afresh, as in a new worker
    gc.unfreeze()
    try:
        application = getattr(importlib.import_module(module_name), attribute)
        assert callable(application)
        assert f"{module_name}.{attribute}" == settings.WSGI_APPLICATION
        assert gc.get_freeze_count() > 10_000
        assert not any(obj is application for obj in gc.get_objects())  # the frozen are not collected
    finally:
        gc.unfreeze()  # the test process goes on collecting as before


def test_gunicorn_listens_on_the_exposed_port_and_only_the_proxy_publishes_it(services):
    command = gunicorn_command()
    port = option_value(command, "--bind", "-b").rsplit(":", 1)[1]
    exposed = [arguments for instruction, arguments in final_stage() if instruction == "EXPOSE"]
    assert exposed == [port]
    assert [str(item) for item in services["web"]["expose"]] == [port]
    assert "ports" not in services["web"], "replicas cannot share a published port: the proxy publishes"
    assert "proxy_pass $portal;" in NGINX_CONF.read_text() and f"http://web:{port};" in NGINX_CONF.read_text()


def test_the_healthcheck_asks_the_health_page():
    healthchecks = [arguments for instruction, arguments in final_stage() if instruction == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    command = exec_form(healthchecks[0])
    assert command[:2] == ["python", "-c"]
    compile(command[2], "<healthcheck>", "exec")
    url = re.search(r"http://127\.0\.0\.1:\d+(/[\w/]*)", command[2]).group(1)
    assert resolve(url).url_name == "health"


# The image ----------------------------------------------------------------------


def test_the_image_installs_python_packages_from_requirements_lock():
    runs = [arguments for instruction, arguments in final_stage() if instruction == "RUN"]
    assert any(re.search(r"pip install --no-cache-dir -r requirements\.lock", run) for run in runs)
    copies = [arguments for instruction, arguments in final_stage() if instruction == "COPY"]
    assert "requirements.lock ./" in copies


def test_the_image_installs_production_packages_only():
    """requirements-dev.lock (pytest, Playwright, ruff, moto, ...) is neither in the build context nor read."""
    assert not any("requirements-dev" in arguments for _, arguments in dockerfile_instructions())
    assert "requirements-dev.lock" in DOCKERIGNORE.read_text().split()
    installs = [
        arguments
        for instruction, arguments in final_stage()
        if instruction == "RUN" and "pip install" in arguments
    ]
    assert installs == ["pip install --no-cache-dir -r requirements.lock"]
    assert "-r " not in "\n".join(
        line for line in (ROOT / "requirements.lock").read_text().splitlines() if not line.startswith("#")
    ), "the production lock includes no other file"


def test_the_front_end_stage_builds_from_frontend_and_only_static_dist_leaves_it():
    stages, current = {}, None
    for instruction, arguments in dockerfile_instructions():
        if instruction == "FROM":
            current = arguments.split()[-1]
            stages[current] = []
        stages[current].append((instruction, arguments))
    assets = [arguments for instruction, arguments in stages["assets"] if instruction == "COPY"]
    assert "frontend/ frontend/" in assets
    assert not any(arguments.startswith("static") for arguments in assets), "the sources are not in static/"
    taken = [
        arguments
        for instruction, arguments in final_stage()
        if instruction == "COPY" and "--from=" in arguments
    ]
    assert taken == ["--from=assets /build/static/dist/ static/dist/"]


def test_the_demo_keeps_its_credentials_file_where_the_portal_user_can_write(services):
    """setup_demo in a container writes DEMO_CREDENTIALS_FILE: on the media volume the image makes for the
    portal user (the code in /app is read-only for it)."""
    environment = {}
    for instruction, arguments in final_stage():
        if instruction == "ENV":
            environment.update(dict(re.findall(r"(\w+)=(\S+)", arguments)))
    credentials = Path(environment["DEMO_CREDENTIALS_FILE"])
    assert (
        credentials.parent
        == Path(environment["MEDIA_ROOT"])
        == Path(environment_of(services["web"])["MEDIA_ROOT"])
    )
    assert not credentials.is_relative_to("/app")
    runs = " ".join(arguments for instruction, arguments in final_stage() if instruction == "RUN")
    assert re.search(rf"chown portal:portal {re.escape(str(credentials.parent))}", runs)
    assert "DEMO_CREDENTIALS_FILE" in SETTINGS_FILE.read_text()


def test_the_image_collects_static_files_with_a_build_only_secret_key():
    runs = [arguments for instruction, arguments in final_stage() if instruction == "RUN"]
    collectstatic = [run for run in runs if "manage.py collectstatic --noinput" in run]
    assert len(collectstatic) == 1
    assert re.match(r"SECRET_KEY=\S+ ", collectstatic[0]), "pass the throwaway key on that RUN line only"


def test_no_secret_is_baked_into_the_image():
    for instruction, arguments in dockerfile_instructions():
        if instruction in {"ENV", "ARG", "LABEL"}:
            assert not re.search(r"SECRET|PASSWORD|TOKEN", arguments, re.IGNORECASE), arguments


def test_the_image_is_python_3_11_slim_and_node_only_builds_the_front_end():
    stages = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "FROM"]
    assert stages[-1] == "python:3.11-slim-bookworm"
    for stage in stages[:-1]:
        assert " AS " in stage.upper(), "earlier stages are named build stages"
    final = final_stage()
    assert not any("npm" in arguments or "nodejs" in arguments for _, arguments in final)
    assert any(
        instruction == "COPY" and "--from=" in arguments and "static/dist" in arguments
        for instruction, arguments in final
    )
    all_runs = " ".join(
        arguments for instruction, arguments in dockerfile_instructions() if instruction == "RUN"
    )
    assert "npm ci" in all_runs
    assert "npm run build" in all_runs


def test_the_image_installs_what_weasyprint_needs_as_ci_does():
    runs = " ".join(arguments for instruction, arguments in final_stage() if instruction == "RUN")
    ci = (ROOT / ".ci" / "run").read_text()
    for package in WEASYPRINT_PACKAGES:
        assert package in runs.split(), package
        assert package in ci.split(), package


def test_the_portal_runs_as_a_user_other_than_root():
    users = [arguments for instruction, arguments in final_stage() if instruction == "USER"]
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0", "0:0"}
    instructions = [instruction for instruction, _ in final_stage()]
    assert instructions.index("USER") < instructions.index("CMD")


def test_the_build_context_leaves_out_secrets_and_local_environments():
    ignored = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()}
    assert {".env", ".venv", "node_modules", ".demo-credentials.json", "db.sqlite3"} <= ignored


# Configuration ------------------------------------------------------------------


def test_every_variable_the_compose_file_sets_is_read_by_the_settings(services):
    read = variables_the_settings_read()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"} <= read, (
        "the settings grep found too little"
    )
    for name, service in services.items():
        if service.get("image", "").startswith(("postgres:", "redis:")):
            continue
        unknown = set(environment_of(service)) - read
        assert not unknown, f"{name} sets {sorted(unknown)}, which settings.py never reads"


def test_every_variable_the_image_sets_is_read_by_the_settings_or_by_python():
    read = variables_the_settings_read()
    for instruction, arguments in final_stage():
        if instruction == "ENV":
            for name in re.findall(r"([A-Z][A-Z0-9_]*)=", arguments):
                assert name in read or name.startswith(("PYTHON", "PIP_")), name


def test_the_portal_services_read_the_env_file(services):
    for name in ("migrate", *PORTAL_SERVICES):
        env_files = services[name]["env_file"]
        env_files = [env_files] if isinstance(env_files, str | dict) else env_files
        paths = [item if isinstance(item, str) else item["path"] for item in env_files]
        assert ".env" in paths, name


def test_every_variable_in_the_env_example_is_read_by_the_settings():
    if not ENV_EXAMPLE.exists():
        pytest.skip("no .env.example")
    unknown = set(env_example()) - variables_the_settings_read()
    assert not unknown, f".env.example sets {sorted(unknown)}, which settings.py never reads"


def test_the_env_example_points_at_the_compose_services(services):
    if not ENV_EXAMPLE.exists():
        pytest.skip("no .env.example")
    values = env_example()
    db = environment_of(services["db"])
    assert values["DATABASE_URL"] == (
        f"postgresql://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    )
    assert re.fullmatch(r"redis://redis:6379/\d+", values["REDIS_URL"])
    assert values["DEBUG"] == "false"


def test_the_env_example_holds_no_real_secret(services):
    if not ENV_EXAMPLE.exists():
        pytest.skip("no .env.example")
    local_db_password = environment_of(services["db"])["POSTGRES_PASSWORD"]
    assert local_db_password == "portal", "the compose database password is a documented placeholder"
    for name, value in env_example().items():
        if re.search(r"SECRET|PASSWORD|TOKEN|API_KEY", name):
            assert value in PLACEHOLDERS, f"{name} must be left as a placeholder, not {value!r}"
        url_password = re.match(r"\w+://[^:/@]+:([^@]+)@", value)
        if url_password:
            assert url_password.group(1) == local_db_password, f"{name} holds a password"
        assert not re.search(r"[A-Za-z0-9_\-+/=]{24,}", value), f"{name} looks like a key or token"
        assert "django-insecure" not in value


# Scaling out (issue 17) ------------------------------------------------------------


def replicas(service: dict) -> int:
    """A service's replicas, reading ``${NAME:-default}`` as its default."""
    value = str(service["deploy"]["replicas"])
    match = re.fullmatch(r"\$\{(\w+):-(\d+)\}", value)
    return int(match.group(2)) if match else int(value)


def test_several_web_and_worker_containers_and_one_beat(services):
    assert replicas(services["web"]) >= 2 and replicas(services["worker"]) >= 2
    assert "deploy" not in services["beat"], "one beat only: two would send every scheduled task twice"
    for name in ("web", "worker"):
        assert "container_name" not in services[name], f"{name}: a fixed name stops it scaling"


def test_one_proxy_balances_across_the_web_replicas_and_tells_the_portal_the_client(services):
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert [str(mapping) for mapping in proxy["ports"]] == ["127.0.0.1:8000:80"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    conf = NGINX_CONF.read_text()
    assert "resolver 127.0.0.11" in conf  # re-reads Docker's DNS, so new replicas join
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "proxy_set_header Host $host;" in conf
    assert environment_of(services["web"])["AXES_PROXY_COUNT"] == "1"
    limit = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1)) * 1024 * 1024
    assert limit > settings.MEETINGS_UPLOAD_MAX_BYTES
    assert "gzip off;" in conf  # the portal compresses with its BREACH mitigation


def test_the_proxy_and_the_web_containers_have_health_checks_a_load_balancer_can_use(services):
    proxy_check = as_list(services["proxy"]["healthcheck"]["test"])
    assert proxy_check[-1] == "http://127.0.0.1/proxy-health"
    assert re.search(r"location = /proxy-health \{[^}]*return 200", NGINX_CONF.read_text())
    healthchecks = [arguments for instruction, arguments in final_stage() if instruction == "HEALTHCHECK"]
    assert "/health/" in healthchecks[0]  # each web replica's own check, the page a load balancer asks
    assert resolve("/health/").url_name == "health"


def test_with_redis_the_cache_and_sessions_are_shared_by_every_web_container():
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE]))"
    )
    for redis_url, expected in [
        (
            "redis://redis:6379/0",
            ["bromley_portal.core.cache.RedisCache", "django.contrib.sessions.backends.cached_db"],
        ),
        ("", ["django.core.cache.backends.locmem.LocMemCache", "django.contrib.sessions.backends.db"]),
    ]:
        env = production_env(REDIS_URL=redis_url)
        if not redis_url:
            env.pop("REDIS_URL")
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


def test_the_readme_shows_how_to_scale_web_and_workers_out():
    readme = (ROOT / "README.md").read_text()
    deployment = readme[readme.index("## Deployment") : readme.index("## Architecture")]
    assert "--scale web=" in deployment and "--scale worker=" in deployment and "/health/" in deployment
