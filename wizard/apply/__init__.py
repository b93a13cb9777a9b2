"""Applying a plan: the only code that writes to the system (transaction, generations, recovery, confirm).

Kept free of imports so that ``python -m wizard.apply.watcher`` starts (and detaches) fast; import the API
from its modules: transaction (apply_plan, preview_apply), rollback, recovery, confirm, diff, generations.
"""
