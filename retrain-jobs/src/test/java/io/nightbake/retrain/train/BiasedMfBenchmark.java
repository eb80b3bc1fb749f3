package io.nightbake.retrain.train;

import io.nightbake.config.AlgorithmSettings;
import io.nightbake.config.TemplateLoader;
import io.nightbake.retrain.MovieLens;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.pipeline.Evaluation;
import java.util.Locale;

/**
 * Tunes and times the biased-MF trainer on MovieLens-100K folds (not a test: run its main with the test class path).
 * Arguments: folds (e.g. 1 or 1,2,3,4,5), factors, epochs, learning-rate, regularization, bias-regularization, init-std, decay.
 */
public final class BiasedMfBenchmark {

    public static void main(String[] args) {
        String[] folds = args[0].split(",");
        AlgorithmSettings settings = new AlgorithmSettings(AlgorithmSettings.BIASED_MF, Integer.parseInt(args[1]),
                Integer.parseInt(args[2]), Double.parseDouble(args[3]), 0, 42, Double.parseDouble(args[4]),
                Double.parseDouble(args[5]), Double.parseDouble(args[6]), Double.parseDouble(args[7]), 0);
        FeatureEncoder encoder = new FeatureEncoder(TemplateLoader.loadDefault().features());
        double total = 0;
        System.out.printf(Locale.ROOT, "%s on %d cores, %s%n", System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), settings.hyperParameters());
        for (String fold : folds) {
            MovieLens.Fold f = MovieLens.fold(Integer.parseInt(fold));
            BiasedMatrixFactorizationTrainer trainer = new BiasedMatrixFactorizationTrainer(settings);
            long best = Long.MAX_VALUE;
            long bestCpu = Long.MAX_VALUE;
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            FactorizationMachine model = null;
            for (int rep = 0; rep < Integer.getInteger("reps", 1); rep++) {
                long t = System.nanoTime();
                long cpu = threads.getCurrentThreadCpuTime();
                model = trainer.train(f.data(), encoder, f.split().trainRows());
                best = Math.min(best, System.nanoTime() - t);
                bestCpu = Math.min(bestCpu, threads.getCurrentThreadCpuTime() - cpu);
            }
            double rmse = Evaluation.rmse(model, f.data(), encoder, f.split().holdoutRows());
            total += rmse;
            System.out.printf(Locale.ROOT, "u%s RMSE %.4f  train %d ms wall, %d ms CPU (best of %d)%n", fold, rmse,
                    best / 1_000_000, bestCpu / 1_000_000, Integer.getInteger("reps", 1));
        }
        System.out.printf(Locale.ROOT, "mean RMSE %.4f%n", total / folds.length);
    }
}
