"""``python -m evals.memory``: the same command as ``headroom eval memory``."""

from headroom.cli._eval_memory import memory_eval_command

if __name__ == "__main__":
    memory_eval_command(prog_name="python -m evals.memory")
