package xr

import (
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// testInput is a function input: a Kubernetes object with one field.
type testInput struct {
	metav1.TypeMeta `json:",inline"`
	Region          string `json:"region,omitempty"`
}

func (in *testInput) DeepCopyObject() runtime.Object { c := *in; return &c }

func TestReadInput(t *testing.T) {
	cases := map[string]struct {
		input   string // JSON; "" for none
		want    testInput
		wantErr string
	}{
		"NoInputKeepsDefaults": {want: testInput{Region: "preset"}},
		"Input": {
			input: `{"apiVersion":"x.fn.devsecops.io/v1beta1","kind":"Input","region":"eu-west-1"}`,
			want:  testInput{TypeMeta: metav1.TypeMeta{APIVersion: "x.fn.devsecops.io/v1beta1", Kind: "Input"}, Region: "eu-west-1"},
		},
		"WrongType": {
			input:   `{"apiVersion":"x.fn.devsecops.io/v1beta1","kind":"Input","region":3}`,
			wantErr: "cannot read the function input (x.fn.devsecops.io/v1beta1 Input): ",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := &fnv1.RunFunctionRequest{}
			if tc.input != "" {
				req.Input = resource.MustStructJSON(tc.input)
			}
			in := &testInput{Region: "preset"}
			err := ReadInput(req, in, "x.fn.devsecops.io/v1beta1")
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one starting %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *in); diff != "" {
				t.Errorf("input -want +got:\n%s", diff)
			}
		})
	}
}

func TestReadObserved(t *testing.T) {
	req := &fnv1.RunFunctionRequest{Observed: &fnv1.State{Composite: &fnv1.Resource{
		Resource: resource.MustStructJSON(`{"apiVersion":"infrastructure.devsecops/v1alpha1","kind":"XEKSCluster","metadata":{"name":"spoke-x1"}}`),
	}}}
	oxr, err := ReadObserved(req, "XEKSCluster")
	if err != nil {
		t.Fatal(err)
	}
	if got := oxr.Resource.GetName(); got != "spoke-x1" {
		t.Errorf("name %q, want spoke-x1", got)
	}
}
