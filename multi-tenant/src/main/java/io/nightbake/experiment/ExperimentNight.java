package io.nightbake.experiment;

import java.time.LocalDate;

/**
 * What one night decided for a running experiment: the challenger's traffic share (of the customers outside the
 * baseline group) for the lists prebaked that night, the outcome, and the figures and test behind it, in words.
 */
public record ExperimentNight(long experimentId, LocalDate runDate, double challengerShare, Experiment.Outcome outcome,
                              String figures) {
}
