"""`yalls up` supervision: a child that dies is started again with backoff (never a reason to stop
the others or the database), and the backoff grows then resets after a healthy run."""

import sys
import time

from yalls import cli


def test_backoff_grows_and_is_capped():
    assert [cli._backoff(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert cli._backoff(20) == cli.RESTART_MAX_DELAY_SECONDS


def test_a_dead_child_is_started_again_after_its_backoff(tmp_path, capsys):
    runs = tmp_path / "runs"
    script = f"open({str(runs)!r}, 'a').write('run\\n'); raise SystemExit(3)"
    child = cli._Child("flaky", [sys.executable, "-c", script], {})
    child.start()
    deadline = time.monotonic() + 15
    while runs.read_text().count("run") < 3 if runs.exists() else True:
        assert time.monotonic() < deadline, "the child was not started again"
        child.watch()
        time.sleep(0.05)
    child.terminate()
    child.wait_or_kill(time.time() + 5)
    err = capsys.readouterr().err
    assert "flaky exited with code 3; starting it again in 0.5s" in err
    assert "starting it again in 1.0s" in err  # the second failure waits longer
    assert child.failures >= 2


def test_a_running_child_is_left_alone_and_terminated_on_stop():
    child = cli._Child("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    child.start()
    for _ in range(5):
        child.watch()
    assert child.process.poll() is None and child.failures == 0
    child.terminate()
    child.wait_or_kill(time.time() + 5)
    assert child.process.poll() is not None
