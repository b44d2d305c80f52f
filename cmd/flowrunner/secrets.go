package main

import "strings"

// secretPrefix marks the environment variables http steps see as secrets:
// FLOWRUNNER_SECRET_CRM_TOKEN is secrets.CRM_TOKEN in a flow's url or headers.
const secretPrefix = "FLOWRUNNER_SECRET_"

// secretsFromEnv collects the secrets from environ (os.Environ's form).
func secretsFromEnv(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if name, found := strings.CutPrefix(k, secretPrefix); ok && found && name != "" {
			out[name] = v
		}
	}
	return out
}
