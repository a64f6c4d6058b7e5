package io.tollgate.gateway.apps;

import io.tollgate.gateway.auth.Apps;
import io.tollgate.gateway.auth.Caller;
import io.tollgate.gateway.edge.EdgeText;
import io.tollgate.gateway.errors.GatewayException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** Admins create, list and disable the apps of any account; every caller lists those of its own. */
@RestController
class AppsController {
    private final Apps apps;

    AppsController(Apps apps) {
        this.apps = apps;
    }

    /** @param id optional: chosen by the admin (e.g. the application's own id), else {@code app_…} */
    record NewApp(@NotBlank @EdgeText String accountId, @NotBlank @Size(max = 200) @EdgeText String name,
                  @Pattern(regexp = Apps.ID_PATTERN) String id) {
    }

    record AppView(String id, String accountId, String name, String state, java.time.Instant createdAt,
                   String createdBy, java.time.Instant disabledAt, String disabledBy) {
        static AppView of(Apps.App app) {
            return new AppView(app.id(), app.accountId(), app.name(), app.state(), app.createdAt(), app.createdBy(),
                    app.disabledAt(), app.disabledBy());
        }
    }

    @PostMapping("/admin/apps")
    @ResponseStatus(HttpStatus.CREATED)
    AppView create(@Valid @RequestBody NewApp request, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        if (!apps.accountExists(request.accountId())) {
            throw GatewayException.notFound("account_not_found", "No such account.");
        }
        return AppView.of(apps.create(request.accountId(), request.name(), request.id(), admin));
    }

    @GetMapping("/admin/apps")
    List<AppView> list(@RequestParam(required = false) String accountId) {
        return apps.list(accountId == null || accountId.isBlank() ? null : accountId).stream().map(AppView::of).toList();
    }

    @GetMapping("/admin/apps/{appId}")
    AppView get(@PathVariable String appId) {
        return apps.find(appId).map(AppView::of).orElseThrow(AppsController::noSuchApp);
    }

    @PostMapping("/admin/apps/{appId}/disable")
    AppView disable(@PathVariable String appId, @RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        apps.find(appId).orElseThrow(AppsController::noSuchApp);
        return apps.disable(appId, admin).map(AppView::of).orElseThrow(AppsController::noSuchApp);
    }

    /** The apps of the caller's own account (for choosing one on the dashboard). */
    @GetMapping("/api/apps")
    List<AppView> listOwn(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller caller) {
        if (caller.accountId() == null) {
            return List.of();
        }
        return apps.list(caller.accountId()).stream().map(AppView::of).toList();
    }

    private static GatewayException noSuchApp() {
        return GatewayException.notFound("app_not_found", "No such app.");
    }
}
