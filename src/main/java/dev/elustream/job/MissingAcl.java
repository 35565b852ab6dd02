package dev.elustream.job;

import java.util.ArrayList;
import java.util.List;

/**
 * An operation the job's principal may not perform on a resource it needs, and what the job needs it
 * for; {@link #refusal} turns those found before submission into one message that names each.
 *
 * @param operation Kafka's name of the operation, e.g. {@code READ}
 * @param resource the resource, e.g. {@code topic features} or {@code the cluster}
 * @param need what the job needs and why, e.g. {@code it needs READ and DESCRIBE on the input topic}
 */
record MissingAcl(String operation, String resource, String need) {

    /** Where the README lists every ACL the job needs. */
    static final String README = "README \"Least privilege\" lists the ACLs the job needs";

    /** "may not READ topic features (it needs READ and DESCRIBE on the input topic)". */
    String describe() {
        return "may not " + operation + " " + resource + " (" + need + ")";
    }

    /**
     * @param missing at least one
     * @return e.g. {@code the job's principal may not READ topic features (it needs READ and DESCRIBE on the
     *     input topic); README "Least privilege" lists the ACLs the job needs}
     */
    static ConfigException refusal(List<MissingAcl> missing) {
        if (missing.isEmpty()) {
            throw new IllegalArgumentException("nothing is missing");
        }
        List<String> parts = new ArrayList<>();
        for (MissingAcl m : missing) {
            parts.add(m.describe());
        }
        return new ConfigException("the job's principal " + String.join(" and ", parts) + "; " + README);
    }
}
