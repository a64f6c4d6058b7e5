package io.tollgate.views.viewer;

/** The contract with the gateway's forwarding proxy (issue 5): headers it adds to every /api/views call. */
public final class ViewerHeaders {
    public static final String INTERNAL_TOKEN = "X-Tollgate-Internal-Token";
    /** admin or user */
    public static final String ROLE = "X-Tollgate-Viewer-Role";
    /** absent for an admin without an account */
    public static final String ACCOUNT = "X-Tollgate-Viewer-Account";
    /** optional */
    public static final String KEY = "X-Tollgate-Viewer-Key";

    private ViewerHeaders() {
    }
}
