package main

import (
	"maps"
	"testing"
)

func TestSecretsFromEnv(t *testing.T) {
	got := secretsFromEnv([]string{
		"PATH=/bin", "FLOWRUNNER_SECRET_CRM_TOKEN=abc=def", "FLOWRUNNER_SECRET_=x",
		"FLOWRUNNER_ARI_PASSWORD=no", "FLOWRUNNER_SECRET_URL=https://crm",
	})
	want := map[string]string{"CRM_TOKEN": "abc=def", "URL": "https://crm"}
	if !maps.Equal(got, want) {
		t.Fatalf("secrets = %v, want %v", got, want)
	}
}
