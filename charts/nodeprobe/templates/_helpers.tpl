{{/* The image, tag defaulting to the chart's appVersion. */}}
{{- define "nodeprobe.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The labels of one component; the selector uses the same two. */}}
{{- define "nodeprobe.labels" -}}
{app.kubernetes.io/name: nodeprobe, app.kubernetes.io/component: {{ . }}}
{{- end }}

{{/*
One agent container. Arguments (a dict): root (the top context), tier, port, portName,
delay (the liveness probe's initialDelaySeconds), security (the container securityContext),
resources, mounts (volumeMounts, may be empty).
*/}}
{{- define "nodeprobe.container" -}}
{{- $v := .root.Values -}}
{{- $args := list "agent" "--tier" .tier -}}
{{- if eq $v.mode "nfd" }}{{ $args = append $args "--no-api" }}{{ end -}}
{{- $args = concat $args (list "--listen" (printf "0.0.0.0:%d" (int .port))) -}}
{{- if eq $v.mode "nfd" }}{{ $args = concat $args (list "--features-file" (printf "/features.d/nodeprobe-%s" .tier)) }}{{ end -}}
{{- if and (eq .tier "verify") (not $v.verify.exercise) }}{{ $args = append $args "--no-exercise" }}{{ end -}}
{{- if and (eq .tier "verify") (eq $v.mode "tiers") $v.usage.enabled }}{{ $args = concat $args (list "--usage" (printf "%d" (int $v.usage.interval))) }}{{ end -}}
- name: {{ .tier }}
  image: {{ include "nodeprobe.image" .root }}
  {{- with $v.image.pullPolicy }}
  imagePullPolicy: {{ . }}
  {{- end }}
  args: {{ toJson $args }}
  env:
    - name: NODE_NAME
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
  ports:
    - {name: {{ .portName }}, containerPort: {{ .port }}, protocol: TCP}
  livenessProbe:
    httpGet: {path: /healthz, port: {{ .portName }}}
    initialDelaySeconds: {{ .delay }}
    periodSeconds: 30
    timeoutSeconds: 5
    failureThreshold: 4
  securityContext: {{ toJson .security }}
  resources: {{ toJson .resources }}
  {{- with .mounts }}
  volumeMounts: {{ toJson . }}
  {{- end }}
{{- end }}

{{/* The container securityContext every unprivileged agent has. */}}
{{- define "nodeprobe.restricted" -}}
{{ toJson (dict "allowPrivilegeEscalation" false "readOnlyRootFilesystem" true "capabilities" (dict "drop" (list "ALL"))) }}
{{- end }}
