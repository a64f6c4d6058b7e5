package io.tollgate.gateway.vault;

import io.tollgate.gateway.auth.AdminAction;
import io.tollgate.gateway.auth.AdminAudit;
import io.tollgate.gateway.auth.Caller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** Admin API of the vault: which master keys it knows (by id only) and re-encryption under the current one. */
@RestController
@RequestMapping("/admin/vault")
class VaultAdminController {
    private final SecretVault vault;
    private final VaultRotation rotation;
    private final AdminAudit audit;

    VaultAdminController(SecretVault vault, VaultRotation rotation, AdminAudit audit) {
        this.audit = audit;
        this.vault = vault;
        this.rotation = rotation;
    }

    record VaultView(String currentKeyId, List<String> previousKeyIds) {
    }

    @GetMapping
    VaultView view() {
        return new VaultView(vault.currentKeyId(), vault.previousKeyIds());
    }

    /** Re-encrypts every stored secret under the current master key; safe to run at any time, on any instance. */
    @PostMapping("/rotate")
    VaultRotation.Report rotate(@RequestAttribute(Caller.REQUEST_ATTRIBUTE) Caller admin) {
        VaultRotation.Report report = rotation.rotate();
        // One event for the whole rotation: which secrets were re-encrypted is no one's business but the vault's.
        audit.record(admin, new AdminAction.CredentialChanged("*", "*", "re-encrypted", null));
        return report;
    }
}
