"""The Daily Plan: pure planning (`planning`, `selection`, `settings`, `projections`), its rows (`store`), the work
on planned orders (`orders`), the background service (`service`) and start lateness (`lateness`)."""
