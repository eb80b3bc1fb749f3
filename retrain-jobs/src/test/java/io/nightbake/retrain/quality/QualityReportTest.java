package io.nightbake.retrain.quality;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.retrain.MovieLens;
import io.nightbake.retrain.OnlineRetail;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The quality report runs end to end on the shared data and prints one line per tenant. */
class QualityReportTest {

    @Test
    void reportsEveryMovieLensFoldAndEveryRetailCountry() {
        Path shared = MovieLens.dir().getParent();
        OnlineRetail.file();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<QualityReport.Row> rows = QualityReport.run(shared, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(text);

        assertThat(rows).hasSize(5 + 37);
        assertThat(rows).allSatisfy(r -> assertThat(r.error()).as(r.tenant()).isNull());
        assertThat(rows.stream().filter(r -> r.source().equals("movielens")).mapToDouble(QualityReport.Row::rmse).average()
                .orElseThrow()).isLessThanOrEqualTo(0.920);
        assertThat(rows).filteredOn(r -> r.tenant().equals("saudi-arabia")).singleElement()
                .satisfies(r -> assertThat(r.trainer()).isEqualTo("popularity"));
        assertThat(text).contains("movielens-u1", "united-kingdom", "NDCG@10", "pop NDCG", "mean holdout RMSE",
                "published ranking", "why: published blend(implicit-als", "published lists' mean NDCG@10");
        assertThat(rows).filteredOn(r -> r.source().equals("movielens"))
                .allSatisfy(r -> assertThat(r.publishedNdcg()).isGreaterThan(r.served().popularityNdcg()));
    }
}
