// Command pulumi-resource-random is a small stand-in for the `random` Pulumi
// provider, for this repository's end-to-end tier only.
//
// The real provider (github.com/pulumi/pulumi-random/provider/v4, a Terraform
// bridge over hashicorp/terraform-provider-random) is not served by the Go
// module proxy reachable here ("403 This module version is not available" for
// every version), so it cannot be built from source on these machines. This
// binary speaks the same ResourceProvider gRPC protocol and implements the
// resources @pulumi/random 4.x declares for RandomPassword and RandomString
// with the upstream semantics that matter to a deployment:
//   - every input change replaces the resource (Terraform's ForceNew on all
//     arguments), keepers included;
//   - `result` is generated once with crypto/rand and kept in state as a secret;
//   - RandomPassword also outputs `bcryptHash` (secret);
//   - defaults: upper/lower/numeric/special true, min* 0, the Terraform special
//     set `!@#$%&*()-_=+[]{}<>:?` unless overrideSpecial is given.
//
// Anything else (RandomId, RandomUuid, imports, GetSchema) is unimplemented and
// fails loudly rather than pretending.
//
// Its state must never reach an operator's stack: Configure refuses any backend
// but a local file:// one (the tests', the local trial's), so a shell that has
// sourced hack/tools/env.sh cannot write stand-in state to a shared backend.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

const (
	typePassword = "random:index/randomPassword:RandomPassword"
	typeString   = "random:index/randomString:RandomString"

	defaultSpecial = "!@#$%&*()-_=+[]{}<>:?"
)

// inputKeys are the arguments of both resources; all of them force replacement.
var inputKeys = []string{
	"keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper",
	"number", "numeric", "overrideSpecial", "special", "upper",
}

func main() {
	flag.Parse()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &provider{})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: %v\n", err)
		os.Exit(1)
	}
}

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

var opts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, opts)
}
func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, opts)
}

func resourceType(urn string) string {
	// urn:pulumi:<stack>::<project>::<qualified type>::<name>; the last type segment is the resource's own.
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1]
}

func checkType(urn string) (string, error) {
	t := resourceType(urn)
	if t != typePassword && t != typeString {
		return "", status.Errorf(codes.Unimplemented, "resource type %q is not implemented by this stand-in random provider", t)
	}
	return t, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// backendURL is the backend the CLI that started this plugin works on: PULUMI_BACKEND_URL,
// else the current login recorded in $PULUMI_HOME/credentials.json (the plugin inherits the
// CLI's environment).
func backendURL() string {
	if u := os.Getenv("PULUMI_BACKEND_URL"); u != "" {
		return u
	}
	home := os.Getenv("PULUMI_HOME")
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = filepath.Join(h, ".pulumi")
		}
	}
	var creds struct {
		Current string `json:"current"`
	}
	if b, err := os.ReadFile(filepath.Join(home, "credentials.json")); err == nil && json.Unmarshal(b, &creds) == nil {
		return creds.Current
	}
	return ""
}

// localBackendProblem says why the stand-in refuses to serve this backend, or "".
func localBackendProblem(backend string) string {
	u, err := url.Parse(backend)
	if err == nil && u.Scheme == "file" {
		return ""
	}
	shown := "an unknown backend (no PULUMI_BACKEND_URL and no current login)"
	if err == nil && u.Scheme != "" {
		shown = u.Scheme + "://" + u.Host + u.Path
	}
	return "the stand-in random provider of bots-edi-deploy's test machinery (hack/tools/go/random-provider) " +
		"only serves local file:// backends, and this stack's backend is " + shown + ": its state must never " +
		"reach an operator's stack. Run pulumi from a shell that has not sourced hack/tools/env.sh, so that " +
		"Pulumi installs the real pulumi-random plugin (README, Adding a stack)"
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	if why := localBackendProblem(backendURL()); why != "" {
		return nil, status.Error(codes.FailedPrecondition, why)
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func boolDefault(m resource.PropertyMap, k string, def bool, failures *[]*pulumirpc.CheckFailure) {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || v.IsNull() {
		m[resource.PropertyKey(k)] = resource.NewBoolProperty(def)
		return
	}
	if !v.IsBool() && !v.IsComputed() && !v.IsOutput() {
		*failures = append(*failures, &pulumirpc.CheckFailure{Property: k, Reason: k + " must be a boolean"})
	}
}

func numberDefault(m resource.PropertyMap, k string, def float64, failures *[]*pulumirpc.CheckFailure) {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || v.IsNull() {
		m[resource.PropertyKey(k)] = resource.NewNumberProperty(def)
		return
	}
	if v.IsNumber() && (v.NumberValue() < 0 || v.NumberValue() != float64(int(v.NumberValue()))) {
		*failures = append(*failures, &pulumirpc.CheckFailure{Property: k, Reason: k + " must be a non-negative integer"})
	} else if !v.IsNumber() && !v.IsComputed() && !v.IsOutput() {
		*failures = append(*failures, &pulumirpc.CheckFailure{Property: k, Reason: k + " must be a number"})
	}
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if _, err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	length, ok := news["length"]
	switch {
	case !ok || length.IsNull():
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length is required"})
	case length.IsNumber() && (length.NumberValue() < 1 || length.NumberValue() != float64(int(length.NumberValue()))):
		failures = append(failures, &pulumirpc.CheckFailure{Property: "length", Reason: "length must be an integer >= 1"})
	}
	for _, k := range []string{"upper", "lower", "special"} {
		boolDefault(news, k, true, &failures)
	}
	// `number` is the deprecated spelling of `numeric`; upstream keeps them equal.
	if v, ok := news["numeric"]; ok && !v.IsNull() {
		if _, has := news["number"]; !has {
			news["number"] = v
		}
	} else if v, ok := news["number"]; ok && !v.IsNull() {
		news["numeric"] = v
	}
	boolDefault(news, "numeric", true, &failures)
	boolDefault(news, "number", true, &failures)
	for _, k := range []string{"minLower", "minNumeric", "minSpecial", "minUpper"} {
		numberDefault(news, k, 0, &failures)
	}
	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if _, err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var replaces []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for _, k := range inputKeys {
		o, hasOld := olds[resource.PropertyKey(k)]
		n, hasNew := news[resource.PropertyKey(k)]
		if hasOld && o.IsNull() {
			hasOld = false
		}
		if hasNew && n.IsNull() {
			hasNew = false
		}
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case !hasOld && !hasNew:
			continue
		case !hasOld:
			kind = pulumirpc.PropertyDiff_ADD_REPLACE
		case !hasNew:
			kind = pulumirpc.PropertyDiff_DELETE_REPLACE
		case n.ContainsUnknowns() || !o.DeepEquals(n):
			kind = pulumirpc.PropertyDiff_UPDATE_REPLACE
		default:
			continue
		}
		replaces = append(replaces, k)
		detailed[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Strings(replaces)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(replaces) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{
		Changes: changes, Replaces: replaces, Diffs: replaces,
		DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

func intProp(m resource.PropertyMap, k string) int {
	v := m[resource.PropertyKey(k)]
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsNumber() {
		return int(v.NumberValue())
	}
	return 0
}

func boolProp(m resource.PropertyMap, k string) bool {
	v := m[resource.PropertyKey(k)]
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v.IsBool() && v.BoolValue()
}

func strProp(m resource.PropertyMap, k string) (string, bool) {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return "", false
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

func randIndex(n int) (int, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(i.Int64()), nil
}

// generate follows terraform-provider-random's algorithm: the minimums first,
// the rest from the union of enabled sets, then a shuffle.
func generate(in resource.PropertyMap) (string, error) {
	const (
		lower   = "abcdefghijklmnopqrstuvwxyz"
		upper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		numeric = "0123456789"
	)
	special := defaultSpecial
	if s, ok := strProp(in, "overrideSpecial"); ok && s != "" {
		special = s
	}
	length := intProp(in, "length")
	type set struct {
		chars string
		on    bool
		min   int
	}
	sets := []set{
		{lower, boolProp(in, "lower"), intProp(in, "minLower")},
		{upper, boolProp(in, "upper"), intProp(in, "minUpper")},
		{numeric, boolProp(in, "numeric"), intProp(in, "minNumeric")},
		{special, boolProp(in, "special"), intProp(in, "minSpecial")},
	}
	var all strings.Builder
	var out []byte
	for _, s := range sets {
		if s.on {
			all.WriteString(s.chars)
		}
		for i := 0; i < s.min; i++ {
			j, err := randIndex(len(s.chars))
			if err != nil {
				return "", err
			}
			out = append(out, s.chars[j])
		}
	}
	pool := all.String()
	if pool == "" {
		return "", errors.New("at least one of lower, upper, numeric, special must be true")
	}
	for len(out) < length {
		j, err := randIndex(len(pool))
		if err != nil {
			return "", err
		}
		out = append(out, pool[j])
	}
	for i := len(out) - 1; i > 0; i-- {
		j, err := randIndex(i + 1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func (p *provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ, err := checkType(req.GetUrn())
	if err != nil {
		return nil, err
	}
	in, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	outs := in.Copy()
	if req.GetPreview() {
		outs["result"] = resource.MakeComputed(resource.NewStringProperty(""))
		if typ == typePassword {
			outs["bcryptHash"] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		props, err := marshal(outs)
		if err != nil {
			return nil, err
		}
		return &pulumirpc.CreateResponse{Properties: props}, nil
	}
	if in.ContainsUnknowns() {
		return nil, errors.New("cannot create with unknown inputs")
	}
	result, err := generate(in)
	if err != nil {
		return nil, err
	}
	id := result
	if typ == typePassword {
		hash, err := bcrypt.GenerateFromPassword([]byte(result), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		outs["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(string(hash)))
		outs["result"] = resource.MakeSecret(resource.NewStringProperty(result))
		id = "none" // as upstream: the password is never the ID
	} else {
		outs["result"] = resource.NewStringProperty(result)
	}
	props, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Read returns the state unchanged: nothing outside Pulumi's state holds it.
func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if _, err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	if len(req.GetProperties().GetFields()) == 0 {
		return nil, status.Error(codes.Unimplemented, "import is not supported by this stand-in random provider")
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (p *provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	if _, err := checkType(req.GetUrn()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}
