package io.sluice.engine;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** docs/format/directory.md against the checked-in golden file. */
class DirectoryMetaTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden/directory/sluice.meta");

    @Test
    void theGoldenIdentityFileParsesAndIsWhatThisBuildWrites() throws Exception {
        assertEquals("labels-xxh3-v1", DirectoryMeta.parse(GOLDEN));
        String golden = Files.readString(GOLDEN, StandardCharsets.UTF_8);
        assertEquals(golden, DirectoryMeta.render("labels-xxh3-v1"));
        assertEquals("sluice-directory 1\nlabel-hash labels-xxh3-v1\ncrc32c " + golden.substring(golden.lastIndexOf(' ') + 1),
            golden);
    }
}
