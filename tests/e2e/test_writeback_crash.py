"""The writer process killed (SIGKILL) after Decidim applied a comment, before it recorded
the result: the restarted writer reads Decidim first and the comment stays single.

The sandbox applies the comment and then stalls its answer (a fault), so the kill lands
exactly between sending and recording; the writer is a real ``decidim-bridge writer``.
"""

from __future__ import annotations

import os
import signal

from writeback_support import start_writer, wait_for, writeback_stack, writer_environment


def test_a_writer_killed_between_sending_and_recording_leaves_one_comment(tmp_path):
    with writeback_stack(tmp_path) as stack:
        stack.publish(114)
        stack.plan()
        stack.sandbox.state.faults.stall_after_apply(1, seconds=4, only="mutation")
        env = writer_environment(stack.settings)
        log = tmp_path / "writer.log"

        first = start_writer(env, log)
        try:
            wait_for(lambda: len(stack.bridge_comments(114)) == 1, 20, "the comment", log)
            os.kill(first.pid, signal.SIGKILL)  # Decidim has it; the writer never heard back
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        comment = next(r for r in stack.outbox() if r.kind == "decidim_comment")
        assert comment.status == "in_flight" and comment.remote_id is None

        second = start_writer(env, log)
        try:
            wait_for(lambda: {r.status for r in stack.outbox()} == {"done"}, 20, "all writes", log)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(10) == 0

        assert len(stack.bridge_comments(114)) == 1
        comment = next(r for r in stack.outbox() if r.kind == "decidim_comment")
        assert comment.outcome == "found in Decidim after an unknown outcome"
        assert comment.remote_id == str(stack.bridge_comments(114)[0].id)
        assert len(stack.sandbox.state.comments_by_api_users()) == 1
        # The stalled request carried the plan version's writes together (it is journaled
        # only when its stall ends); the answer it applied is found on reading back, not
        # written again.
        mutations = [e.operation_name for e in stack.journal(target="mutation")]
        assert not {"AnswerProposal", "AnswerProposalGuarded"} & set(mutations)
