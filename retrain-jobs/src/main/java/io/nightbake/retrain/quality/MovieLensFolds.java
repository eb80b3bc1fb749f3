package io.nightbake.retrain.quality;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.pipeline.HoldoutSplit;
import io.nightbake.tenant.TenantId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * MovieLens-100K as one tenant per standard fold: users are customers, movies are products (category = first genre),
 * ratings are explicit interactions (event type {@code rating}), and fold k's {@code uk.test} is the holdout, so results
 * compare with published figures.
 */
public final class MovieLensFolds {

    public record Fold(TenantDataset data, HoldoutSplit split) {
    }

    private MovieLensFolds() {
    }

    /** Fold {@code k} (1..5) of the MovieLens-100K folder {@code dir} (the one holding u.data, u.item, u1.base ...). */
    public static Fold load(Path dir, int k) {
        if (k < 1 || k > 5) {
            throw new IllegalArgumentException("MovieLens-100K folds are u1..u5, not u" + k);
        }
        try {
            TenantDataset.Builder builder = TenantDataset.builder(TenantId.of("movielens-u" + k));
            for (String line : Files.readAllLines(dir.resolve("u.user"), StandardCharsets.ISO_8859_1)) {
                if (!line.isBlank()) {
                    builder.addCustomer(line.split("\\|")[0]);
                }
            }
            String[] genres = Files.readAllLines(dir.resolve("u.genre"), StandardCharsets.ISO_8859_1).stream()
                    .filter(l -> !l.isBlank()).map(l -> l.split("\\|")[0]).toArray(String[]::new);
            for (String line : Files.readAllLines(dir.resolve("u.item"), StandardCharsets.ISO_8859_1)) {
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split("\\|", -1);
                String category = null;
                for (int g = 0; g < genres.length && category == null; g++) {
                    if ("1".equals(fields[5 + g])) {
                        category = genres[g];
                    }
                }
                builder.addProduct(fields[0], true, category);
            }
            List<String> base = nonBlank(Files.readAllLines(dir.resolve("u" + k + ".base")));
            List<String> test = nonBlank(Files.readAllLines(dir.resolve("u" + k + ".test")));
            for (String line : base) {
                add(builder, line);
            }
            for (String line : test) {
                add(builder, line);
            }
            int[] train = new int[base.size()];
            int[] holdout = new int[test.size()];
            for (int i = 0; i < train.length; i++) {
                train[i] = i;
            }
            for (int i = 0; i < holdout.length; i++) {
                holdout[i] = train.length + i;
            }
            return new Fold(builder.build(), new HoldoutSplit(train, holdout));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read MovieLens-100K fold u" + k + " from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<String> nonBlank(List<String> lines) {
        return lines.stream().filter(l -> !l.isBlank()).toList();
    }

    private static void add(TenantDataset.Builder builder, String line) {
        String[] f = line.split("\t");
        builder.addInteraction(f[0], f[1], Double.parseDouble(f[2]), Long.parseLong(f[3]) * 1_000_000L, "rating");
    }
}
