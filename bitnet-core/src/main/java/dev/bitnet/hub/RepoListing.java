package dev.bitnet.hub;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer of {@code GET /api/models/REPO/revision/REV}: the commit ({@code sha}) and the
 * repository's files ({@code siblings[].rfilename}). Every file name is validated like a reference
 * path, so a hostile listing cannot steer a download outside the snapshot.
 */
record RepoListing(String commit, List<String> files) {
    /** Bound on the listing's size: large repositories list some ten thousand files. */
    static final int MAX_BYTES = 32 << 20;
    private static final JsonFactory JSON = new JsonFactory();

    RepoListing {
        files = List.copyOf(files);
    }

    static RepoListing parse(byte[] json, String repo) throws HubException {
        String commit = null;
        List<String> files = new ArrayList<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad(repo, "not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("sha") && value == JsonToken.VALUE_STRING) {
                    commit = p.getText();
                } else if (field.equals("siblings") && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String key = p.currentName();
                            JsonToken v = p.nextToken();
                            if (key.equals("rfilename") && v == JsonToken.VALUE_STRING) {
                                files.add(p.getText());
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (HubException e) {
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw bad(repo, "malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw bad(repo, e.getMessage());
        }
        if (commit == null || !HubReference.isCommit(commit)) {
            throw bad(repo, "no 40-hex commit in 'sha' (got " + commit + ")");
        }
        for (String f : files) {
            try {
                HubReference.checkPath(f, "file name");
            } catch (IllegalArgumentException e) {
                throw bad(repo, e.getMessage());
            }
        }
        return new RepoListing(commit, files);
    }

    private static HubException bad(String repo, String why) {
        return new HubException(HubException.Kind.BAD_RESPONSE, "the file listing of " + repo + " is unusable: " + why);
    }
}
