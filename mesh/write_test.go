package mesh_test

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/sparsels/sparsels/mesh"
)

func TestWriteOBJRoundTrip(t *testing.T) {
	m := mesh.WavyGrid(4, 5, 3)
	m.V[2][1] = math.Nextafter(1, 2) // needs all 17 digits
	var b bytes.Buffer
	if err := mesh.WriteOBJ(&b, m, "round trip"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "# round trip\nv ") {
		t.Errorf("output starts %q", b.String()[:20])
	}
	got, err := mesh.ReadOBJ(context.Background(), &b, "rt.obj")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Error("ReadOBJ(context.Background(), WriteOBJ(m)) differs from m")
	}
}
