package io.nightbake.runs;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Whether the process behind a heartbeat (owner {@code host:pid}) is gone, as run recovery and the run lock judge it. */
final class ProcessLiveness {

    private ProcessLiveness() {
    }

    /** Why the owner counts as dead, or empty when it may still be alive. This very process is always alive. */
    static Optional<String> deadBecause(String owner, Instant heartbeatAt, Instant now, Duration staleAfter) {
        if (owner.equals(RunHeartbeats.OWNER)) {
            return Optional.empty();
        }
        String thisHost = RunHeartbeats.OWNER.substring(0, RunHeartbeats.OWNER.lastIndexOf(':'));
        int colon = owner.lastIndexOf(':');
        if (colon > 0 && owner.substring(0, colon).equals(thisHost)) {
            try {
                long pid = Long.parseLong(owner.substring(colon + 1));
                if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                    return Optional.of("its process " + owner + " is gone");
                }
            } catch (NumberFormatException e) {
                // not a pid: judged by its heartbeat alone
            }
        }
        Duration silent = Duration.between(heartbeatAt, now);
        if (silent.compareTo(staleAfter) > 0) {
            return Optional.of("its process " + owner + " has not been heard from for " + silent.toSeconds() + " s");
        }
        return Optional.empty();
    }
}
