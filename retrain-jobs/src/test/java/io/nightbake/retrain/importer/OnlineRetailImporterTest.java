package io.nightbake.retrain.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.importer.ImportReport.DropReason;
import io.nightbake.tenant.TenantId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The importer on a hand-checked slice in the real file's shape (the real file: {@code OnlineRetailQualityTest}). */
class OnlineRetailImporterTest {

    private static final String SLICE = """
            InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
            536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,United Kingdom
            536365,71053,"METAL LANTERN, WHITE",6,12/1/2010 8:26,3.39,17850.0,United Kingdom
            536365,71053,"METAL LANTERN, WHITE",2,12/1/2010 8:26,3.39,17850.0,United Kingdom
            536366,22633,"HAND WARMER ""UNION JACK"", RED",6,2010-12-01 08:28:00,1.85,17850,United Kingdom
            536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047.0,United Kingdom
            C536379,84879,ASSORTED COLOUR BIRD ORNAMENT,-32,12/1/2010 9:41,1.69,13047.0,United Kingdom
            536368,22960,"JAM MAKING SET, JARS",6,12/1/2010 8:34,4.25,13047.0,United Kingdom
            C536380,22960,"JAM MAKING SET, JARS",-2,12/1/2010 9:50,4.25,13047.0,United Kingdom
            C536381,21730,GLASS STAR FROSTED T-LIGHT HOLDER,-4,12/1/2010 9:53,4.25,13047.0,United Kingdom
            536370,POST,POSTAGE,3,12/1/2010 8:45,18.0,12583.0,France
            536370,22728,"ALARM CLOCK BAKELIKE PINK",24,12/1/2010 8:45,3.75,12583.0,France
            536414,22139,,56,12/1/2010 11:52,0.0,,United Kingdom
            536415,22139,a broken line,5,12/1/2010 11:52
            536416,22140,"BAD QUANTITY",x,12/1/2010 11:52,1.0,12583.0,France
            536417,22141,NOTHING,0,12/1/2010 11:52,1.0,12583.0,France
            536418,22142,ACCENTED COUNTRY,1,12/2/2010 10:00,1.0,12600.0,Côte d'Ivoire
            """;

    @Test
    void handCheckedSliceCountsEveryLineOnce(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("slice.csv");
        Files.writeString(csv, SLICE, StandardCharsets.UTF_8);
        ImportReport report = OnlineRetailImporter.importFile(csv, dir.resolve("tenants"), TenantBy.COUNTRY);

        assertThat(report.linesRead()).isEqualTo(16);
        assertThat(report.dropped()).isEqualTo(Map.of(
                DropReason.MALFORMED, 2L,               // 5 fields; quantity "x"
                DropReason.NO_CUSTOMER, 1L,
                DropReason.NON_PRODUCT, 1L,             // POST
                DropReason.ZERO_QUANTITY, 1L,
                DropReason.RETURN_APPLIED, 2L,          // C536379 (all 32), C536380 (2 of 6)
                DropReason.RETURN_WITHOUT_PURCHASE, 1L, // C536381: 21730 never bought in the data
                DropReason.CANCELLED_BY_RETURN, 1L));   // 536367's 32 ornaments
        assertThat(report.linesKept()).isEqualTo(7);
        assertThat(report.purchasesReducedByReturns()).isEqualTo(1);
        assertThat(report.linesKept() + report.dropped().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(report.linesRead());
        assertThat(report.tenants()).extracting(ImportReport.TenantImport::tenantId)
                .containsExactly("united-kingdom", "cote-d-ivoire", "france");

        TenantDataset uk = TenantDataReader.read(TenantId.of("united-kingdom"), dir.resolve("tenants/united-kingdom"));
        // 17850: 85123A, 71053 (two lines of one invoice merged: 8), 22633; 13047: 22960 (6 - 2 returned)
        assertThat(uk.interactionCount()).isEqualTo(4);
        assertThat(uk.customerIds()).containsExactlyInAnyOrder("17850", "13047");
        assertThat(uk.productIds()).containsExactlyInAnyOrder("85123A", "71053", "22633", "22960");
        for (int i = 0; i < uk.interactionCount(); i++) {
            String product = uk.productId(uk.product(i));
            double expected = Math.log1p(switch (product) {
                case "71053" -> 8;
                case "22960" -> 4;
                default -> 6;
            });
            assertThat(uk.value(i)).as(product).isCloseTo(expected, within(1e-12));
            assertThat(uk.eventType(i)).isEqualTo("purchase");
            if (product.equals("22633")) {
                assertThat(uk.eventTime(i)).isEqualTo(Instant.parse("2010-12-01T08:28:00Z"));
            }
        }
        int customer = uk.customerIndex("17850");
        assertThat(uk.customerRegion(customer)).isEqualTo("United Kingdom");
        int product = uk.productIndex("85123A");
        assertThat(uk.productActive(product)).isTrue();
        assertThat(uk.productCategory(product)).isEqualTo("85");

        TenantDataset france = TenantDataReader.read(TenantId.of("france"), dir.resolve("tenants/france"));
        assertThat(france.interactionCount()).isEqualTo(1);
        assertThat(france.productIds()).containsExactly("22728");
        assertThat(report.summary()).contains("16 lines read", "cancelled_by_return", "3 tenants");
    }

    @Test
    void tenantIdsFromCountryNamesAreValid() {
        assertThat(OnlineRetailImporter.tenantIdFor("United Kingdom")).isEqualTo("united-kingdom");
        assertThat(OnlineRetailImporter.tenantIdFor("EIRE")).isEqualTo("eire");
        assertThat(OnlineRetailImporter.tenantIdFor("Channel Islands")).isEqualTo("channel-islands");
        assertThat(OnlineRetailImporter.tenantIdFor("RSA")).isEqualTo("rsa");
        assertThat(OnlineRetailImporter.tenantIdFor("European Community")).isEqualTo("european-community");
        assertThat(OnlineRetailImporter.tenantIdFor("Unspecified")).isEqualTo("unspecified");
        assertThat(OnlineRetailImporter.tenantIdFor("  Côte d'Ivoire  ")).isEqualTo("cote-d-ivoire");
        assertThat(OnlineRetailImporter.tenantIdFor("../..")).isEqualTo("country");
        assertThat(TenantId.isValid(OnlineRetailImporter.tenantIdFor("x".repeat(100) + " y"))).isTrue();
    }

    @Test
    void aFileThatIsNotOnlineRetailNamesTheExpectedHeader(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("other.csv");
        Files.writeString(csv, "a,b,c\n1,2,3\n");
        assertThatThrownBy(() -> OnlineRetailImporter.importFile(csv, dir, TenantBy.COUNTRY))
                .hasMessageContaining("other.csv").hasMessageContaining("InvoiceNo,StockCode,Description");
    }
}
