"""Keeps the sandbox's models in the sandbox database and everything else out of it."""

SANDBOX_APPS = {"sandbox_butterflymx", "sandbox_butlr"}


class SandboxRouter:
    def db_for_read(self, model, **hints):
        return "sandbox" if model._meta.app_label in SANDBOX_APPS else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        sandboxed = {obj._meta.app_label in SANDBOX_APPS for obj in (obj1, obj2)}
        return None if len(sandboxed) == 1 else False

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in SANDBOX_APPS:
            return db == "sandbox"
        return db != "sandbox"
