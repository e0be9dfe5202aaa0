/* SPDX-License-Identifier: MIT */
/*
 * Facts <-> JSON with jansson, driven by one field table per struct so that writing and
 * reading cannot drift apart. Unknown values are JSON null; readers ignore keys they do not
 * know and leave missing keys unknown, so older and newer snapshots both load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "vaprobe/common/strings.h"

enum ftype { F_STR, F_HEX16, F_U32, F_I32, F_OPT, F_TRI, F_BOOL, F_OUTCOME, F_EXOUTCOME };

struct field {
        const char *name;
        enum ftype type;
        size_t off;
        size_t size;
};

#define FIELD(s, m, t)                                                                             \
        {                                                                                          \
#m, t, offsetof(struct s, m), sizeof(((struct s *)0)->m)                           \
        }

static const struct field machine_fields[] = {
    FIELD(vp_machine, kernel_release, F_STR),
    FIELD(vp_machine, cmdline, F_STR),
    FIELD(vp_machine, cpu_model, F_STR),
    FIELD(vp_machine, hypervisor, F_TRI),
    FIELD(vp_machine, os_id, F_STR),
    FIELD(vp_machine, os_id_like, F_STR),
    FIELD(vp_machine, os_version_id, F_STR),
    FIELD(vp_machine, os_name, F_STR),
    FIELD(vp_machine, in_container, F_TRI),
    FIELD(vp_machine, dmi_sys_vendor, F_STR),
    FIELD(vp_machine, dmi_product, F_STR),
    FIELD(vp_machine, efi, F_TRI),
    FIELD(vp_machine, secure_boot, F_TRI),
    FIELD(vp_machine, setup_mode, F_TRI),
    FIELD(vp_machine, iommu, F_TRI),
    FIELD(vp_machine, iommu_names, F_STR),
    FIELD(vp_machine, i915_pmu, F_TRI),
    FIELD(vp_machine, xe_pmu, F_TRI),
    FIELD(vp_machine, mod_i915, F_TRI),
    FIELD(vp_machine, mod_xe, F_TRI),
    FIELD(vp_machine, loaded_i915, F_TRI),
    FIELD(vp_machine, loaded_xe, F_TRI),
    FIELD(vp_machine, uid, F_U32),
    FIELD(vp_machine, gid, F_U32),
    FIELD(vp_machine, dmesg_readable, F_TRI),
    FIELD(vp_machine, dmesg_gvt, F_TRI),
    FIELD(vp_machine, dmesg_sriov_vf, F_TRI),
    FIELD(vp_machine, dmesg_huc, F_TRI),
    FIELD(vp_machine, dmesg_vgpu_type, F_STR),
    FIELD(vp_machine, dmesg_notes, F_STR),
};

static const struct field gpu_fields[] = {
    FIELD(vp_gpu, pci_slot, F_STR),
    FIELD(vp_gpu, vendor_id, F_HEX16),
    FIELD(vp_gpu, device_id, F_HEX16),
    FIELD(vp_gpu, subsys_vendor_id, F_HEX16),
    FIELD(vp_gpu, subsys_device_id, F_HEX16),
    FIELD(vp_gpu, revision, F_OPT),
    FIELD(vp_gpu, pci_class, F_OPT),
    FIELD(vp_gpu, kernel_driver, F_STR),
    FIELD(vp_gpu, card_node, F_STR),
    FIELD(vp_gpu, render_node, F_STR),
    FIELD(vp_gpu, sysfs_render, F_STR),
    FIELD(vp_gpu, render_stat_ok, F_BOOL),
    FIELD(vp_gpu, render_mode, F_U32),
    FIELD(vp_gpu, render_uid, F_U32),
    FIELD(vp_gpu, render_gid, F_U32),
    FIELD(vp_gpu, render_group, F_STR),
    FIELD(vp_gpu, render_open_errno, F_I32),
    FIELD(vp_gpu, drm_name, F_STR),
    FIELD(vp_gpu, drm_desc, F_STR),
    FIELD(vp_gpu, drm_major, F_OPT),
    FIELD(vp_gpu, drm_minor, F_OPT),
    FIELD(vp_gpu, drm_patch, F_OPT),
    FIELD(vp_gpu, chipset_id, F_OPT),
    FIELD(vp_gpu, num_fences, F_OPT),
    FIELD(vp_gpu, huc_status, F_OPT),
    FIELD(vp_gpu, i915_revision, F_OPT),
    FIELD(vp_gpu, aperture_size, F_OPT),
    FIELD(vp_gpu, aperture_available, F_OPT),
    FIELD(vp_gpu, io_bar, F_TRI),
    FIELD(vp_gpu, gvt_edid, F_TRI),
    FIELD(vp_gpu, gvt_edid_connector, F_STR),
    FIELD(vp_gpu, physfn, F_TRI),
    FIELD(vp_gpu, sriov_totalvfs, F_OPT),
};

static const struct field va_fields[] = {
    FIELD(vp_va, outcome, F_OUTCOME),      FIELD(vp_va, open_errno, F_I32),
    FIELD(vp_va, init_status, F_I32),      FIELD(vp_va, init_error, F_STR),
    FIELD(vp_va, child_signal, F_I32),     FIELD(vp_va, api_major, F_I32),
    FIELD(vp_va, api_minor, F_I32),        FIELD(vp_va, vendor, F_STR),
    FIELD(vp_va, driver, F_STR),           FIELD(vp_va, drivers_tried, F_STR),
    FIELD(vp_va, driver_env, F_STR),       FIELD(vp_va, log, F_STR),
    FIELD(vp_va, configs_partial, F_BOOL),
};

static const struct field step_fields[] = {
    FIELD(vp_ex_step, kind, F_STR),          FIELD(vp_ex_step, codec, F_STR),
    FIELD(vp_ex_step, outcome, F_EXOUTCOME), FIELD(vp_ex_step, call, F_STR),
    FIELD(vp_ex_step, va_status, F_I32),     FIELD(vp_ex_step, ms, F_U32),
    FIELD(vp_ex_step, frames, F_U32),        FIELD(vp_ex_step, fps_x10, F_U32),
    FIELD(vp_ex_step, bytes, F_U32),         FIELD(vp_ex_step, quality_x100, F_I32),
    FIELD(vp_ex_step, detail, F_STR),
};

static const struct field config_fields[] = {
    FIELD(vp_va_config, rt_format, F_U32),
    FIELD(vp_va_config, rate_control, F_U32),
    FIELD(vp_va_config, max_width, F_U32),
    FIELD(vp_va_config, max_height, F_U32),
};

#define NF(t) (sizeof(t) / sizeof(t[0]))

static void sanitize_fields(void *base, const struct field *t, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (t[i].type == F_STR)
                        vpi_utf8_sanitize((char *)base + t[i].off);
}

void vpi_facts_sanitize(struct vp_facts *f)
{
        sanitize_fields(&f->machine, machine_fields, NF(machine_fields));
        for (uint32_t i = 0; i < f->n_gpus && i < VP_MAX_GPUS; i++) {
                sanitize_fields(&f->gpus[i], gpu_fields, NF(gpu_fields));
                sanitize_fields(&f->gpus[i].va, va_fields, NF(va_fields));
                for (uint32_t k = 0; k < f->gpus[i].va.exercise.n_steps && k < VP_MAX_EX_STEPS; k++)
                        sanitize_fields(&f->gpus[i].va.exercise.steps[k], step_fields,
                                        NF(step_fields));
        }
}

static json_t *encode_fields(const void *base, const struct field *t, size_t n)
{
        json_t *o = json_object();
        const char *b = base;

        if (!o)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                const void *p = b + t[i].off;
                json_t *v = NULL;
                char hex[8];

                switch (t[i].type) {
                case F_STR:
                        v = json_string((const char *)p);
                        if (!v) /* not UTF-8 (garbage sysfs): keep the key, lose the value */
                                v = json_null();
                        break;
                case F_HEX16:
                        snprintf(hex, sizeof(hex), "%04x", *(const uint16_t *)p);
                        v = json_string(hex);
                        break;
                case F_U32:
                        v = json_integer(*(const uint32_t *)p);
                        break;
                case F_I32:
                        v = json_integer(*(const int32_t *)p);
                        break;
                case F_OPT: {
                        const struct vp_opt *o2 = p;
                        v = o2->known ? json_integer(o2->value) : json_null();
                        break;
                }
                case F_TRI: {
                        enum vp_tri tv = *(const enum vp_tri *)p;
                        v = tv == VP_UNKNOWN ? json_null() : json_boolean(tv == VP_YES);
                        break;
                }
                case F_BOOL:
                        v = json_boolean(*(const bool *)p);
                        break;
                case F_OUTCOME:
                        v = json_string(vp_va_outcome_str(*(const enum vp_va_outcome *)p));
                        break;
                case F_EXOUTCOME:
                        v = json_string(vp_ex_outcome_str(*(const enum vp_ex_outcome *)p));
                        break;
                }
                if (!v || json_object_set_new(o, t[i].name, v) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

/* Decode what is there and valid; anything else stays as it was (zero = unknown). */
static void decode_fields(const json_t *o, void *base, const struct field *t, size_t n)
{
        char *b = base;

        if (!json_is_object(o))
                return;
        for (size_t i = 0; i < n; i++) {
                json_t *v = json_object_get(o, t[i].name);
                void *p = b + t[i].off;
                uint64_t u;

                if (!v || json_is_null(v))
                        continue;
                switch (t[i].type) {
                case F_STR:
                        if (json_is_string(v))
                                vpi_strlcpy(p, json_string_value(v), t[i].size);
                        break;
                case F_HEX16:
                        if (json_is_string(v) && vpi_parse_u64(json_string_value(v), 16, &u) == 0 &&
                            u <= 0xffff)
                                *(uint16_t *)p = (uint16_t)u;
                        break;
                case F_U32:
                        if (json_is_integer(v) && json_integer_value(v) >= 0 &&
                            json_integer_value(v) <= UINT32_MAX)
                                *(uint32_t *)p = (uint32_t)json_integer_value(v);
                        break;
                case F_I32:
                        if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
                            json_integer_value(v) <= INT32_MAX)
                                *(int32_t *)p = (int32_t)json_integer_value(v);
                        break;
                case F_OPT:
                        if (json_is_integer(v))
                                *(struct vp_opt *)p =
                                    (struct vp_opt){.known = true, .value = json_integer_value(v)};
                        break;
                case F_TRI:
                        if (json_is_boolean(v))
                                *(enum vp_tri *)p = json_is_true(v) ? VP_YES : VP_NO;
                        break;
                case F_BOOL:
                        if (json_is_boolean(v))
                                *(bool *)p = json_is_true(v);
                        break;
                case F_OUTCOME:
                        if (json_is_string(v))
                                vpi_outcome_from_str(json_string_value(v), p);
                        break;
                case F_EXOUTCOME:
                        if (json_is_string(v))
                                vpi_ex_outcome_from_str(json_string_value(v), p);
                        break;
                }
        }
}

static json_t *encode_va(const struct vp_va *va)
{
        json_t *o = encode_fields(va, va_fields, NF(va_fields));
        json_t *arr = json_array();

        if (!o || !arr)
                goto fail;
        for (uint32_t i = 0; i < va->n_configs && i < VP_MAX_VA_CONFIGS; i++) {
                const struct vp_va_config *c = &va->configs[i];
                const char *pn = vp_profile_name(c->profile),
                           *en = vp_entrypoint_name(c->entrypoint);
                json_t *co = encode_fields(c, config_fields, NF(config_fields));

                if (!co)
                        goto fail;
                /* Names when known, raw numbers for values newer than this build. */
                json_object_set_new(co, "profile", pn ? json_string(pn) : json_integer(c->profile));
                json_object_set_new(co, "entrypoint",
                                    en ? json_string(en) : json_integer(c->entrypoint));
                if (json_array_append_new(arr, co) < 0)
                        goto fail;
        }
        if (json_object_set_new(o, "configs", arr) < 0) {
                arr = NULL;
                goto fail;
        }
        arr = NULL;
        if (va->exercise.requested) {
                json_t *steps = json_array();
                if (!steps || json_object_set_new(o, "exercise", steps) < 0)
                        goto fail;
                for (uint32_t i = 0; i < va->exercise.n_steps && i < VP_MAX_EX_STEPS; i++) {
                        const struct vp_ex_step *s = &va->exercise.steps[i];
                        const char *pn = vp_profile_name(s->profile),
                                   *en = vp_entrypoint_name(s->entrypoint);
                        json_t *so = encode_fields(s, step_fields, NF(step_fields));
                        if (!so || json_array_append_new(steps, so) < 0)
                                goto fail;
                        json_object_set_new(so, "profile",
                                            pn ? json_string(pn) : json_integer(s->profile));
                        json_object_set_new(so, "entrypoint",
                                            en ? json_string(en) : json_integer(s->entrypoint));
                }
        }
        return o;
fail:
        json_decref(arr);
        json_decref(o);
        return NULL;
}

static void decode_va(const json_t *o, struct vp_va *va)
{
        json_t *arr, *co;
        size_t i;

        decode_fields(o, va, va_fields, NF(va_fields));
        va->exercise.running = -1;
        arr = json_object_get(o, "exercise");
        if (json_is_array(arr)) {
                va->exercise.requested = true;
                json_array_foreach(arr, i, co)
                {
                        struct vp_ex_step *s;
                        json_t *p = json_object_get(co, "profile"),
                               *e = json_object_get(co, "entrypoint");
                        if (va->exercise.n_steps >= VP_MAX_EX_STEPS || !json_is_object(co))
                                break;
                        s = &va->exercise.steps[va->exercise.n_steps++];
                        memset(s, 0, sizeof(*s));
                        decode_fields(co, s, step_fields, NF(step_fields));
                        if (json_is_string(p))
                                vp_profile_from_name(json_string_value(p), &s->profile);
                        else if (json_is_integer(p))
                                s->profile = (int32_t)json_integer_value(p);
                        if (json_is_string(e))
                                vp_entrypoint_from_name(json_string_value(e), &s->entrypoint);
                        else if (json_is_integer(e))
                                s->entrypoint = (int32_t)json_integer_value(e);
                }
        }
        arr = json_object_get(o, "configs");
        if (!json_is_array(arr))
                return;
        json_array_foreach(arr, i, co)
        {
                struct vp_va_config c = {0};
                json_t *p = json_object_get(co, "profile"), *e = json_object_get(co, "entrypoint");

                if (va->n_configs >= VP_MAX_VA_CONFIGS)
                        break;
                if (json_is_string(p)) {
                        if (vp_profile_from_name(json_string_value(p), &c.profile) < 0)
                                continue;
                } else if (json_is_integer(p)) {
                        c.profile = (int32_t)json_integer_value(p);
                } else {
                        continue;
                }
                if (json_is_string(e)) {
                        if (vp_entrypoint_from_name(json_string_value(e), &c.entrypoint) < 0)
                                continue;
                } else if (json_is_integer(e)) {
                        c.entrypoint = (int32_t)json_integer_value(e);
                } else {
                        continue;
                }
                decode_fields(co, &c, config_fields, NF(config_fields));
                va->configs[va->n_configs++] = c;
        }
}

static json_t *encode_facts(const struct vp_facts *f)
{
        json_t *root = json_object(), *machine = NULL, *gpus = json_array(), *groups = json_array();

        if (!root || !gpus || !groups)
                goto fail;
        json_object_set_new(root, "schema", json_integer(f->schema));
        json_object_set_new(root, "probe_version", json_string(f->probe_version));
        json_object_set_new(root, "source", json_string(f->source));
        if (f->gpus_partial)
                json_object_set_new(root, "gpus_partial", json_true());
        if (f->device[0])
                json_object_set_new(root, "device", json_string(f->device));
        machine = encode_fields(&f->machine, machine_fields, NF(machine_fields));
        if (!machine)
                goto fail;
        for (uint32_t i = 0; i < f->machine.n_groups && i < VP_MAX_GROUPS; i++)
                json_array_append_new(groups, json_integer(f->machine.groups[i]));
        json_object_set_new(machine, "groups", groups);
        groups = NULL;
        json_object_set_new(root, "machine", machine);
        for (uint32_t i = 0; i < f->n_gpus && i < VP_MAX_GPUS; i++) {
                json_t *g = encode_fields(&f->gpus[i], gpu_fields, NF(gpu_fields));
                json_t *va = encode_va(&f->gpus[i].va);

                if (!g || !va) {
                        json_decref(g);
                        json_decref(va);
                        goto fail;
                }
                json_object_set_new(g, "va", va);
                json_array_append_new(gpus, g);
        }
        json_object_set_new(root, "gpus", gpus);
        return root;
fail:
        json_decref(groups);
        json_decref(gpus);
        json_decref(root);
        return NULL;
}

static int dump(json_t *o, int indent, char **ret)
{
        char *s;

        if (!o)
                return -ENOMEM;
        s = json_dumps(o, (indent ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int vp_facts_to_json(const struct vp_facts *f, int indent, char **ret_json)
{
        if (!f || !ret_json)
                return -EINVAL;
        return dump(encode_facts(f), indent, ret_json);
}

int vp_va_to_json(const struct vp_va *va, char **ret_json)
{
        if (!va || !ret_json)
                return -EINVAL;
        return dump(encode_va(va), 0, ret_json);
}

int vp_va_from_json(const char *text, size_t len, struct vp_va *ret)
{
        json_error_t e;
        json_t *o;

        if (!text || !ret)
                return -EINVAL;
        o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
        if (!json_is_object(o)) {
                json_decref(o);
                return -EINVAL;
        }
        memset(ret, 0, sizeof(*ret));
        decode_va(o, ret);
        json_decref(o);
        return 0;
}

int vp_facts_from_json(const char *text, size_t len, struct vp_facts **ret_facts, char *err,
                       size_t errlen)
{
        json_error_t e;
        json_t *o = NULL, *gpus, *g, *groups, *v, *m;
        struct vp_facts *f = NULL;
        size_t i;
        int r = -EINVAL;

        if (err && errlen)
                err[0] = '\0';
        if (!text || !ret_facts)
                return -EINVAL;
        o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
        if (!o) {
                if (err)
                        snprintf(err, errlen, "not JSON: %s at line %d", e.text, e.line);
                goto out;
        }
        /* Schema 1 called the machine "host" (which now means the Proxmox host only). */
        m = json_object_get(o, "machine");
        if (!m)
                m = json_object_get(o, "host");
        if (!json_is_object(o) || !json_is_object(m) ||
            !json_is_array(json_object_get(o, "gpus"))) {
                if (err)
                        snprintf(err, errlen,
                                 "not a nodeprobe snapshot (needs \"machine\" and \"gpus\")");
                goto out;
        }
        v = json_object_get(o, "schema");
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > VP_FACTS_SCHEMA) {
                if (err)
                        snprintf(err, errlen,
                                 "unsupported snapshot schema (this build reads 1..%d)",
                                 VP_FACTS_SCHEMA);
                goto out;
        }
        f = calloc(1, sizeof(*f));
        if (!f) {
                r = -ENOMEM;
                goto out;
        }
        f->schema = VP_FACTS_SCHEMA;
        v = json_object_get(o, "probe_version");
        if (json_is_string(v))
                vpi_strlcpy(f->probe_version, json_string_value(v), sizeof(f->probe_version));
        vpi_strlcpy(f->source, "json", sizeof(f->source));
        f->gpus_partial = json_is_true(json_object_get(o, "gpus_partial"));
        v = json_object_get(o, "device");
        if (json_is_string(v))
                vpi_strlcpy(f->device, json_string_value(v), sizeof(f->device));
        decode_fields(m, &f->machine, machine_fields, NF(machine_fields));
        groups = json_object_get(m, "groups");
        json_array_foreach(groups, i, v)
        {
                if (f->machine.n_groups < VP_MAX_GROUPS && json_is_integer(v) &&
                    json_integer_value(v) >= 0 && json_integer_value(v) <= UINT32_MAX)
                        f->machine.groups[f->machine.n_groups++] = (uint32_t)json_integer_value(v);
        }
        gpus = json_object_get(o, "gpus");
        json_array_foreach(gpus, i, g)
        {
                struct vp_gpu *gpu;

                if (f->n_gpus >= VP_MAX_GPUS) {
                        f->gpus_partial = true;
                        break;
                }
                if (!json_is_object(g))
                        continue;
                gpu = &f->gpus[f->n_gpus++];
                gpu->render_open_errno = -1;
                decode_fields(g, gpu, gpu_fields, NF(gpu_fields));
                decode_va(json_object_get(g, "va"), &gpu->va);
        }
        vpi_facts_sanitize(f);
        *ret_facts = f;
        f = NULL;
        r = 0;
out:
        free(f);
        json_decref(o);
        return r;
}
