package io.nightbake.schedule;

import io.nightbake.batch.NightlyLauncher;
import io.nightbake.runs.RunRecovery;
import java.time.LocalDate;
import java.time.ZoneId;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.JobExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.quartz.QuartzJobBean;

/**
 * What the Quartz trigger fires: the nightly job for the date the trigger was scheduled for (in the schedule's zone),
 * so that a late or catch-up fire still runs the night it belongs to. Quartz never runs two of these at once in the
 * cluster ({@link DisallowConcurrentExecution}), and the launcher starts nothing for a date already run or running,
 * so a double fire is harmless.
 */
@DisallowConcurrentExecution
public class NightlyQuartzJob extends QuartzJobBean {

    private static final Logger log = LoggerFactory.getLogger(NightlyQuartzJob.class);

    private NightlyLauncher launcher;
    private RunRecovery recovery;
    private ZoneId zone;

    @Autowired
    public void setLauncher(NightlyLauncher launcher) {
        this.launcher = launcher;
    }

    @Autowired
    public void setRecovery(RunRecovery recovery) {
        this.recovery = recovery;
    }

    public void setZone(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    protected void executeInternal(JobExecutionContext context) {
        LocalDate runDate = context.getScheduledFireTime().toInstant().atZone(zone).toLocalDate();
        try {
            recovery.recoverDeadRuns();
            if (launcher.anyRunning() && launcher.latest(runDate).isEmpty()) {
                log.warn("nightly run {} not started: an earlier run is still going; it will not overlap", runDate);
                return;
            }
            launcher.run(runDate);
        } catch (Exception e) {
            log.error("nightly run {} could not be launched: {}", runDate, e.getMessage(), e);
        }
    }
}
