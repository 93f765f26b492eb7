"""A Python job for examples/parallel.workflow.json: `stellwerk run` puts this folder on PYTHONPATH."""


def greet(step):
    name = step.arguments.get("name", "world")
    print(f"greeting {name}")
    return {"greeting": f"hello, {name}"}
