{{/* Labels every object of the release carries. */}}
{{- define "nettune.labels" -}}
app.kubernetes.io/name: nettune
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "nettune.operatorSelector" -}}
app.kubernetes.io/name: nettune
app.kubernetes.io/component: operator
{{- end -}}

{{/* The one image of both the operator and the agent. */}}
{{- define "nettune.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}{{ with .Values.image.digest }}@{{ . }}{{ end }}
{{- end -}}

{{/* The agent's image: the chart's image unless agent.imageTag names another tag of it. */}}
{{- define "nettune.agentImage" -}}
{{- if .Values.agent.imageTag -}}
{{ printf "%s:%s" .Values.image.repository .Values.agent.imageTag }}
{{- else -}}
{{ include "nettune.image" . }}
{{- end -}}
{{- end -}}

{{/* The agent's ServiceAccount user, as the API server names it in requests. */}}
{{- define "nettune.agentUser" -}}
{{ printf "system:serviceaccount:%s:nettune-agent" .Release.Namespace }}
{{- end -}}

{{/* The operator's ServiceAccount user, as the API server names it in requests. */}}
{{- define "nettune.operatorUser" -}}
{{ printf "system:serviceaccount:%s:nettune-operator" .Release.Namespace }}
{{- end -}}
