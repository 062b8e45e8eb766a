// nettune-config-scan: Trivy's built-in Kubernetes and Dockerfile
// misconfiguration checks, run from Trivy's own scanning packages, over a
// tree of rendered manifests and one of Dockerfiles. It exists because the
// full trivy binary takes about 12 minutes to build on two cores and this one
// about a third of that (docs/adr/0015); the checks and their results are
// Trivy's. Findings accepted in the ignore file (id, optional path globs,
// statement) are left out; any other fails the run (exit 1).
//
//	nettune-config-scan -ignore FILE -kubernetes DIR -dockerfile DIR
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scan"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/dockerfile"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/kubernetes"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/options"
	"gopkg.in/yaml.v3"
)

type accepted struct {
	ID        string   `yaml:"id"`
	Paths     []string `yaml:"paths"`
	Statement string   `yaml:"statement"`
}

type ignoreFile struct {
	Misconfigurations []accepted `yaml:"misconfigurations"`
}

func main() {
	ignorePath := flag.String("ignore", "", "the YAML file of accepted findings")
	k8sDir := flag.String("kubernetes", "", "a tree of Kubernetes manifests")
	dockerDir := flag.String("dockerfile", "", "a tree of Dockerfiles")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))

	ignores, err := readIgnores(*ignorePath)
	if err != nil {
		fail(err)
	}
	opts := []options.ScannerOption{
		rego.WithEmbeddedPolicies(true),
		rego.WithEmbeddedLibraries(true),
	}
	var findings []string
	scanned := 0
	// Findings are named by their path below the Kubernetes tree, or below "image/" for Dockerfiles.
	for _, tree := range []struct {
		dir   string
		label string
		scan  func(context.Context, string) (scan.Results, error)
	}{
		{*k8sDir, "", func(ctx context.Context, dir string) (scan.Results, error) {
			return kubernetes.NewScanner(opts...).ScanFS(ctx, os.DirFS(dir), ".")
		}},
		{*dockerDir, "image", func(ctx context.Context, dir string) (scan.Results, error) {
			return dockerfile.NewScanner(opts...).ScanFS(ctx, os.DirFS(dir), ".")
		}},
	} {
		if tree.dir == "" {
			continue
		}
		results, err := tree.scan(context.Background(), tree.dir)
		if err != nil {
			fail(fmt.Errorf("scanning %s: %w", tree.dir, err))
		}
		scanned += len(results)
		for _, result := range results.GetFailed() {
			rule := result.Rule()
			file := filepath.ToSlash(result.Range().GetFilename())
			where := path.Join(tree.label, file)
			if isAccepted(ignores, rule.ID, where) {
				continue
			}
			findings = append(findings, fmt.Sprintf("%s (%s) %s:%d: %s",
				rule.ID, rule.Severity, where, result.Range().GetStartLine(), result.Description()))
		}
	}
	sort.Strings(findings)
	for _, finding := range findings {
		fmt.Println(finding)
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "nettune-config-scan: %d findings not accepted\n", len(findings))
		os.Exit(1)
	}
	fmt.Printf("nettune-config-scan: %d check results, none failed outside the accepted list\n", scanned)
}

func readIgnores(file string) ([]accepted, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var parsed ignoreFile
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	decoder.KnownFields(true)
	if err := decoder.Decode(&parsed); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for _, entry := range parsed.Misconfigurations {
		if entry.ID == "" || entry.Statement == "" {
			return nil, fmt.Errorf("%s: every accepted finding needs an id and a statement", file)
		}
	}
	return parsed.Misconfigurations, nil
}

func isAccepted(ignores []accepted, id, where string) bool {
	for _, entry := range ignores {
		if entry.ID != id {
			continue
		}
		if len(entry.Paths) == 0 {
			return true
		}
		for _, pattern := range entry.Paths {
			if ok, _ := path.Match(pattern, where); ok {
				return true
			}
		}
	}
	return false
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "nettune-config-scan: %v\n", err)
	os.Exit(2)
}
