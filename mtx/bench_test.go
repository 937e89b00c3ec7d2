package mtx

import (
	"bytes"
	"io"
	"testing"
)

func BenchmarkRead(b *testing.B) {
	file := bigFile(1000000)
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(file), "big.mtx"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCSR(b *testing.B) {
	m, err := Read(bytes.NewReader(bigFile(1000000)), "big.mtx")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		m.CSR()
	}
}

func BenchmarkDuplicate(b *testing.B) {
	m, err := Read(bytes.NewReader(bigFile(1000000)), "big.mtx")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		m.Duplicate()
	}
}

func BenchmarkWriteCoordinate(b *testing.B) {
	m, err := Read(bytes.NewReader(bigFile(1000000)), "big.mtx")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := WriteCoordinate(io.Discard, m.Rows, m.Cols, m.I, m.J, m.V, ""); err != nil {
			b.Fatal(err)
		}
	}
}
