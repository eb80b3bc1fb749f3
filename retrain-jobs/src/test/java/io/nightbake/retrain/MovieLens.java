package io.nightbake.retrain;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.pipeline.HoldoutSplit;
import io.nightbake.tenant.TenantId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * MovieLens-100K (../shared/data) as one tenant: users are customers, movies are products (category = first genre),
 * and a standard fold's test file is the holdout, so results compare with published figures.
 */
public final class MovieLens {

    public record Fold(TenantDataset data, HoldoutSplit split) {
    }

    public static Path dir() {
        Path dir = Path.of(System.getProperty("nightbake.shared.data", "../../shared/data")).resolve("movielens-100k");
        Assumptions.assumeTrue(Files.isDirectory(dir), "MovieLens-100K not found at " + dir);
        return dir;
    }

    public static Fold fold(int k) {
        Path dir = dir();
        try {
            TenantDataset.Builder builder = TenantDataset.builder(TenantId.of("movielens-u" + k));
            for (String line : Files.readAllLines(dir.resolve("u.user"), StandardCharsets.ISO_8859_1)) {
                builder.addCustomer(line.split("\\|")[0]);
            }
            String[] genres = Files.readAllLines(dir.resolve("u.genre"), StandardCharsets.ISO_8859_1).stream()
                    .filter(l -> !l.isBlank()).map(l -> l.split("\\|")[0]).toArray(String[]::new);
            for (String line : Files.readAllLines(dir.resolve("u.item"), StandardCharsets.ISO_8859_1)) {
                String[] fields = line.split("\\|", -1);
                String category = null;
                for (int g = 0; g < genres.length && category == null; g++) {
                    if ("1".equals(fields[5 + g])) {
                        category = genres[g];
                    }
                }
                builder.addProduct(fields[0], true, category);
            }
            List<String> base = Files.readAllLines(dir.resolve("u" + k + ".base"));
            List<String> test = Files.readAllLines(dir.resolve("u" + k + ".test"));
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
            throw new UncheckedIOException(e);
        }
    }

    private static void add(TenantDataset.Builder builder, String line) {
        String[] f = line.split("\t");
        builder.addInteraction(f[0], f[1], Double.parseDouble(f[2]), Long.parseLong(f[3]) * 1_000_000L, "rating");
    }
}
