import subprocess
import sys


def test_sandbox_check_command():
    """Every canonical HumanEval solution passes and a broken variant of each fails."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmark.cli", "sandbox-check"], capture_output=True, text=True, timeout=600
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "164/164 canonical passed, 164/164 broken failed" in result.stdout
    assert "isolation: cgroup)" in result.stdout or "isolation: rlimits)" in result.stdout
