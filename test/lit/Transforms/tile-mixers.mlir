// tmix-tile-mixers: softmax and sigmoid attention become an scf.forall over
// (batch, head, query tile) around an scf.for over key tiles, with no
// Lq x Lk tensor anywhere; linear attention becomes its chunkwise form for
// every update rule and pooling O(L) scans; ops with dynamic shapes are left
// alone.
// The score shapes of @softmax (96x160) and @causal (128x128) must not
// appear anywhere, at any rank.
// RUN: tmix-opt %s --tmix-tile-mixers="tile-q=16 tile-k=32 chunk=16" --split-input-file | FileCheck %s --implicit-check-not=96x160 --implicit-check-not=128x128
// RUN: not tmix-opt %s --tmix-tile-mixers="tile-q=0 tile-k=32" --split-input-file 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not tmix-opt %s --tmix-tile-mixers="tile-q=16 tile-k=-1" --split-input-file 2>&1 | FileCheck %s --check-prefix=ERR2

// The error names the option values.
// ERR: error: tmix-tile-mixers: tile sizes must be positive, got tile-q=0 tile-k=32
// ERR2: error: tmix-tile-mixers: tile sizes must be positive, got tile-q=16 tile-k=-1

// Cross attention (Lq = 96, Lk = 160): 6 query tiles of 16 per (batch,
// head); the key loop carries (acc, max, sum) over tiles of 32 keys.
// CHECK-LABEL: func.func @softmax
// CHECK-SAME:  (%[[Q:.+]]: tensor<2x4x96x32xf32>, %[[K:.+]]: tensor<2x4x160x32xf32>, %[[V:.+]]: tensor<2x4x160x16xf32>)
// CHECK:       scf.forall (%[[B:.+]], %[[H:.+]], %[[T:.+]]) in (2, 4, 6) shared_outs(%[[OUT:.+]] = %{{.+}}) -> (tensor<2x4x96x16xf32>)
// CHECK:         %[[Q0:.+]] = arith.muli %[[T]], %{{.+}} : index
// CHECK:         %[[ROWS:.+]] = arith.minsi
// CHECK:         %[[QT:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[ROWS]], 32] [1, 1, 1, 1] : tensor<2x4x96x32xf32> to tensor<?x32xf32>
// CHECK:         %[[LK:.+]] = arith.constant 160 : index
// CHECK:         %[[R:.+]]:3 = scf.for %[[K0:.+]] = %{{.+}} to %[[LK]] step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<?x16xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK:           %[[KT:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[H]], %[[K0]], 0] {{.*}} to tensor<?x32xf32>
// CHECK:           %[[VT:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[H]], %[[K0]], 0] {{.*}} to tensor<?x16xf32>
// CHECK:           %[[KTT:.+]] = linalg.transpose ins(%[[KT]] : tensor<?x32xf32>) outs(%{{.+}} : tensor<32x?xf32>) permutation = [1, 0]
// CHECK:           linalg.matmul ins(%[[QT]], %[[KTT]] : tensor<?x32xf32>, tensor<32x?xf32>) outs(%{{.+}} : tensor<?x?xf32>)
// CHECK:           arith.maximumf
// CHECK:           math.exp
// CHECK:           linalg.matmul ins(%{{.+}}, %[[VT]] : tensor<?x?xf32>, tensor<?x16xf32>) outs(%{{.+}} : tensor<?x16xf32>)
// CHECK:           scf.yield %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x16xf32>, tensor<?xf32>, tensor<?xf32>
// Normalised by the final row sum (a row with sum 0 yields 0).
// CHECK:         linalg.generic {{.*}} ins(%[[R]]#0, %[[R]]#2 : tensor<?x16xf32>, tensor<?xf32>)
// CHECK:           arith.cmpf ogt
// CHECK:           arith.divf
// CHECK:         scf.forall.in_parallel
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.+}} into %[[OUT]][%[[B]], %[[H]], %[[Q0]], 0] [1, 1, %[[ROWS]], 16]
// CHECK-NOT:   tmix.attention
func.func @softmax(%q: tensor<2x4x96x32xf32>, %k: tensor<2x4x160x32xf32>, %v: tensor<2x4x160x16xf32>) -> tensor<2x4x96x16xf32> {
  %0 = tmix.attention %q, %k, %v {scale = 0.125 : f32} : tensor<2x4x96x32xf32>, tensor<2x4x160x32xf32>, tensor<2x4x160x16xf32> -> tensor<2x4x96x16xf32>
  return %0 : tensor<2x4x96x16xf32>
}

// -----

// Causal (top_left): the key loop ends at min(Lk, q0 + rows), clamped at 0,
// so tiles wholly past the diagonal are never visited; the score generic
// still hides j > i inside the diagonal tile.
// CHECK-LABEL: func.func @causal
// CHECK:       scf.forall (%{{.+}}, %{{.+}}, %[[T:.+]]) in (1, 2, 8)
// CHECK:         %[[Q0:.+]] = arith.muli %[[T]]
// CHECK:         %[[ROWS:.+]] = arith.minsi
// CHECK:         %[[LAST:.+]] = arith.addi %[[Q0]], %[[ROWS]] : index
// CHECK:         %[[DIAG:.+]] = arith.addi %[[LAST]], %{{.+}} : index
// CHECK:         %[[MIN:.+]] = arith.minsi %{{.+}}, %[[DIAG]] : index
// CHECK:         %[[END:.+]] = arith.maxsi %{{.+}}, %[[MIN]] : index
// CHECK:         scf.for %[[K0:.+]] = %{{.+}} to %[[END]] step
// CHECK:           %[[LEFT:.+]] = arith.subi %[[END]], %[[K0]] : index
// CHECK:           arith.minsi %{{.+}}, %[[LEFT]] : index
// CHECK:           linalg.generic
// CHECK:             arith.cmpi sle
// CHECK:             arith.select
func.func @causal(%q: tensor<1x2x128x32xf32>, %k: tensor<1x2x128x32xf32>, %v: tensor<1x2x128x32xf32>) -> tensor<1x2x128x32xf32> {
  %0 = tmix.attention %q, %k, %v {causal = #tmix.causal<top_left>} : tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32> -> tensor<1x2x128x32xf32>
  return %0 : tensor<1x2x128x32xf32>
}

// -----

// Causal bottom_right: the diagonal is shifted by Lk - Lq = 96.
// CHECK-LABEL: func.func @causal_bottom_right
// CHECK:         %[[LAST:.+]] = arith.addi %{{.+}}, %{{.+}} : index
// CHECK:         %[[DIAG:.+]] = arith.addi %[[LAST]], %[[OFF:c96[_0-9]*]] : index
// CHECK:         %[[MIN:.+]] = arith.minsi %{{.+}}, %[[DIAG]] : index
// CHECK:         %[[END:.+]] = arith.maxsi %{{.+}}, %[[MIN]] : index
// CHECK:         scf.for %{{.+}} = %{{.+}} to %[[END]] step
// CHECK:             arith.addi %{{.+}}, %[[OFF]] : index
// CHECK-NEXT:        arith.cmpi sle
func.func @causal_bottom_right(%q: tensor<1x2x32x32xf32>, %k: tensor<1x2x128x32xf32>, %v: tensor<1x2x128x32xf32>) -> tensor<1x2x32x32xf32> {
  %0 = tmix.attention %q, %k, %v {causal = #tmix.causal<bottom_right>} : tensor<1x2x32x32xf32>, tensor<1x2x128x32xf32>, tensor<1x2x128x32xf32> -> tensor<1x2x32x32xf32>
  return %0 : tensor<1x2x32x32xf32>
}

// -----

// GQA (8 query heads, 2 kv heads): the K and V slices read kv head h / 4
// in place; K and V are never broadcast to 8 heads.
// CHECK-LABEL: func.func @gqa
// CHECK-SAME:  (%[[Q:.+]]: tensor<1x8x64x32xf32>, %[[K:.+]]: tensor<1x2x64x32xf32>, %[[V:.+]]: tensor<1x2x64x32xf32>)
// CHECK:       scf.forall (%[[B:.+]], %[[H:.+]], %{{.+}}) in (1, 8, 4)
// CHECK:         %[[G:.+]] = arith.constant 4 : index
// CHECK:         %[[KVH:.+]] = arith.divui %[[H]], %[[G]] : index
// CHECK:         tensor.extract_slice %[[Q]][%[[B]], %[[H]],
// CHECK:         scf.for %[[K0:[^ ]+]] =
// CHECK:           tensor.extract_slice %[[K]][%[[B]], %[[KVH]], %[[K0]], 0] {{.*}} : tensor<1x2x64x32xf32> to tensor<?x32xf32>
// CHECK:           tensor.extract_slice %[[V]][%[[B]], %[[KVH]], %[[K0]], 0] {{.*}} : tensor<1x2x64x32xf32> to tensor<?x32xf32>
// CHECK-NOT:   1x8x64x32xf32> to
// CHECK-NOT:   tensor<1x8x64x64
func.func @gqa(%q: tensor<1x8x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x8x64x32xf32> {
  %0 = tmix.attention %q, %k, %v : tensor<1x8x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x8x64x32xf32>
  return %0 : tensor<1x8x64x32xf32>
}

// -----

// Sigmoid attention: same nest, but the key loop carries only the
// accumulator (no running max or sum); sigmoid(s + bias) weighs v.
// CHECK-LABEL: func.func @sigmoid
// CHECK:       scf.forall
// CHECK:         %[[R:.+]] = scf.for %{{.+}} iter_args(%[[ACC:[^ ]+]] = %{{.+}}) -> (tensor<?x32xf32>) {
// CHECK:           linalg.matmul
// CHECK:           linalg.generic
// CHECK:             arith.addf %{{.+}}, %[[BIAS:cst[_0-9]*]] : f32
// CHECK:             arith.cmpi sle
// CHECK:             arith.negf
// CHECK:             math.exp
// CHECK:             arith.divf
// CHECK:             arith.select
// CHECK-NOT:       arith.maximumf
// CHECK:           %[[NEXT:.+]] = linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<?x?xf32>, tensor<?x32xf32>) outs(%[[ACC]] : tensor<?x32xf32>)
// CHECK-NEXT:      scf.yield %[[NEXT]] : tensor<?x32xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[R]] : tensor<?x32xf32>)
// CHECK-NOT:   arith.maximumf
// CHECK-NOT:   tmix.sigmoid_attention
func.func @sigmoid(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32> {
  %0 = tmix.sigmoid_attention %q, %k, %v {bias = -2.0 : f32, causal = #tmix.causal<top_left>} : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x2x64x32xf32>
  return %0 : tensor<1x2x64x32xf32>
}

// -----

// A float mask [B, 1, Lq, Lk]: each step reads the (query tile, key tile)
// block of the mask at (b, 0, q0, k0) and adds it in the score generic.
// CHECK-DAG:   #[[MMAP:.+]] = affine_map<(d0, d1) -> (0, 0, d0, d1)>
// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @float_mask
// CHECK-SAME:  %[[M:[a-z0-9_]+]]: tensor<2x1x64x64xf32>)
// CHECK:       scf.forall (%[[B:.+]], %{{.+}}, %{{.+}}) in (2, 2, 4)
// CHECK:         %[[Q0:.+]] = arith.muli
// CHECK:         %[[ROWS:.+]] = arith.minsi
// CHECK:         scf.for %[[K0:[^ ]+]] =
// CHECK:           %[[COLS:.+]] = arith.minsi
// CHECK:           %[[S:.+]] = linalg.matmul
// CHECK:           %[[MT:.+]] = tensor.extract_slice %[[M]][%[[B]], 0, %[[Q0]], %[[K0]]] [1, 1, %[[ROWS]], %[[COLS]]] [1, 1, 1, 1] : tensor<2x1x64x64xf32> to tensor<1x1x?x?xf32>
// CHECK:           linalg.generic {indexing_maps = [#[[ID]], #[[MMAP]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[S]], %[[MT]] : tensor<?x?xf32>, tensor<1x1x?x?xf32>)
// CHECK:           ^bb0(%{{.+}}: f32, %[[MV:.+]]: f32, %{{.+}}: f32):
// CHECK:             %[[SC:.+]] = arith.mulf
// CHECK:             arith.addf %[[SC]], %[[MV]] : f32
// CHECK-NOT:   tensor<2x2x64x64
func.func @float_mask(%q: tensor<2x2x64x32xf32>, %k: tensor<2x2x64x32xf32>, %v: tensor<2x2x64x32xf32>, %m: tensor<2x1x64x64xf32>) -> tensor<2x2x64x32xf32> {
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<2x1x64x64xf32>) : tensor<2x2x64x32xf32>, tensor<2x2x64x32xf32>, tensor<2x2x64x32xf32> -> tensor<2x2x64x32xf32>
  return %0 : tensor<2x2x64x32xf32>
}

// -----

// A boolean key mask [Lk]: the key tile of the mask selects -inf.
// CHECK-DAG:   #[[KMAP:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @bool_mask
// CHECK-SAME:  %[[M:[a-z0-9_]+]]: tensor<64xi1>)
// CHECK:         scf.for %[[K0:[^ ]+]] =
// CHECK:           %[[MT:.+]] = tensor.extract_slice %[[M]][%[[K0]]] [%{{.+}}] [1] : tensor<64xi1> to tensor<?xi1>
// CHECK:           linalg.generic {indexing_maps = [#{{.+}}, #[[KMAP]], #{{.+}}], {{.*}} ins(%{{.+}}, %[[MT]] : tensor<?x?xf32>, tensor<?xi1>)
// CHECK:           ^bb0(%{{.+}}: f32, %[[VIS:.+]]: i1, %{{.+}}: f32):
// CHECK:             arith.select %[[VIS]], %{{.+}}, %{{.+}} : f32
func.func @bool_mask(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %m: tensor<64xi1>) -> tensor<1x2x64x32xf32> {
  %0 = tmix.attention %q, %k, %v mask(%m : tensor<64xi1>) : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x2x64x32xf32>
  return %0 : tensor<1x2x64x32xf32>
}

// -----

// f16 operands: scores, statistics and accumulator are f32; the output
// tile is truncated to f16 once, after the key loop.
// CHECK-LABEL: func.func @f16
// CHECK:       scf.forall {{.*}} -> (tensor<1x2x64x32xf16>)
// CHECK:         scf.for {{.*}} -> (tensor<?x32xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<?x32xf16>, tensor<32x?xf16>) outs(%{{.+}} : tensor<?x?xf32>)
// CHECK-NOT:       arith.truncf
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<?x?xf32>, tensor<?x32xf16>) outs(%{{.+}} : tensor<?x32xf32>)
// CHECK:           scf.yield
// CHECK:         linalg.generic {{.*}} outs(%{{.+}} : tensor<?x32xf16>)
// CHECK:           %[[O:.+]] = arith.select
// CHECK:           %[[H:.+]] = arith.truncf %[[O]] : f32 to f16
// CHECK:           linalg.yield %[[H]] : f16
func.func @f16(%q: tensor<1x2x64x32xf16>, %k: tensor<1x2x64x32xf16>, %v: tensor<1x2x64x32xf16>) -> tensor<1x2x64x32xf16> {
  %0 = tmix.attention %q, %k, %v : tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16>, tensor<1x2x64x32xf16> -> tensor<1x2x64x32xf16>
  return %0 : tensor<1x2x64x32xf16>
}

// -----

// Average pooling: a sequential inclusive prefix sum (f64) over L, then one
// gather of two prefix sums per output; no L x L tensor.
// CHECK-LABEL: func.func @avg_pool
// CHECK:       %[[P:.+]]:2 = scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (tensor<1x2x1x8xf64>, tensor<1x2x16x8xf64>)
// CHECK:         arith.extf %{{.+}} : f32 to f64
// CHECK:         tensor.insert_slice
// CHECK:       linalg.generic
// CHECK:         tensor.extract %[[P]]#1
// CHECK:         tensor.extract %[[P]]#1
// CHECK:         arith.truncf %{{.+}} : f64 to f32
// CHECK-NOT:   tmix.pool_mixer
// CHECK-NOT:   16x16
func.func @avg_pool(%x: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %0 = tmix.pool_mixer %x {causal, window = 3 : i64} : tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

// Max pooling (window 3, so one -inf row on each side): running maxima
// restarted every 3 padded rows, forward then backward, and one max of two
// of them per output; no L x L tensor.
// CHECK-LABEL: func.func @max_pool
// CHECK:       %[[PAD:.+]] = tensor.insert_slice %arg0 into %{{.+}}[0, 0, 1, 0] [1, 2, 16, 8] [1, 1, 1, 1] : tensor<1x2x16x8xf32> into tensor<1x2x18x8xf32>
// CHECK:       %[[F:.+]]:2 = scf.for
// CHECK:         tensor.extract_slice %[[PAD]]
// CHECK:         arith.remui %{{.+}}, %{{.+}} : index
// CHECK:         arith.maximumf
// CHECK:         arith.select
// CHECK:       %[[R:.+]]:2 = scf.for
// CHECK:         arith.subi
// CHECK:         arith.maximumf
// CHECK:       linalg.generic
// CHECK:         %[[A:.+]] = tensor.extract %[[R]]#1
// CHECK:         %[[Z:.+]] = tensor.extract %[[F]]#1
// CHECK:         arith.maximumf %[[A]], %[[Z]] : f32
// CHECK-NOT:   tmix.pool_mixer
// CHECK-NOT:   16x16
func.func @max_pool(%x: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %0 = tmix.pool_mixer %x {kind = #tmix.pool_kind<max>, window = 3 : i64} : tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}

// -----

// Causal normalised linear attention, GQA: per (batch, query head) an
// scf.for over 16-token chunks carrying the state S [D, Dv], the output
// rows and the normaliser z [D]; per chunk the intra-chunk scores (a
// 16x16 block, masked to j <= i), their product with V, the product with
// the carried S, then S += K^T V.
// CHECK-LABEL: func.func @linear_chunked
// CHECK:       scf.forall (%[[B:.+]], %[[H:.+]]) in (1, 4)
// CHECK:       %[[KV:.+]] = arith.divui %[[H]], %{{.+}} : index
// CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[S:.+]] = %{{.+}}, %{{.+}} = %{{.+}}, %[[Z:.+]] = %{{.+}}) -> (tensor<32x16xf32>, tensor<64x16xf32>, tensor<32xf32>)
// CHECK:         tensor.extract_slice %{{.+}}[%[[B]], %[[KV]], %{{.+}}, 0]
// CHECK:         linalg.matmul
// CHECK:         arith.cmpi sle
// CHECK:         linalg.matmul
// CHECK:         linalg.matmul ins(%{{.+}}, %[[S]] : tensor<?x32xf32>, tensor<32x16xf32>)
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<32x?xf32>, tensor<?x16xf32>) outs(%[[S]] : tensor<32x16xf32>)
// CHECK:       tensor.parallel_insert_slice
// CHECK-NOT:   tmix.linear_attention
func.func @linear_chunked(%q: tensor<1x4x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x16xf32>) -> tensor<1x4x64x16xf32> {
  %0 = tmix.linear_attention %q, %k, %v {causal, normalize, feature_map = #tmix.feature_map<elu_plus_one>} : tensor<1x4x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x16xf32> -> tensor<1x4x64x16xf32>
  return %0 : tensor<1x4x64x16xf32>
}

// -----

// Non-causal: one state over all keys, no chunk loop.
// CHECK-LABEL: func.func @linear_global
// CHECK:       scf.forall
// CHECK-NOT:   scf.for
// CHECK:       linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<32x48xf32>, tensor<48x32xf32>)
// CHECK:       linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<20x32xf32>, tensor<32x32xf32>)
func.func @linear_global(%q: tensor<1x2x20x32xf32>, %k: tensor<1x2x48x32xf32>, %v: tensor<1x2x48x32xf32>) -> tensor<1x2x20x32xf32> {
  %0 = tmix.linear_attention %q, %k, %v : tensor<1x2x20x32xf32>, tensor<1x2x48x32xf32>, tensor<1x2x48x32xf32> -> tensor<1x2x20x32xf32>
  return %0 : tensor<1x2x20x32xf32>
}

// -----

// Gated rule, one gate per key dimension, with carried state: per chunk the
// in-chunk cumulative gates G (a masked reduction), queries read through
// exp(G), keys through exp(Gn - G), decay-weighted intra-chunk scores (a
// masked reduction over D, 16x16 at most), and the state scaled by exp(Gn)
// before K^T V is added. The initial state seeds the loop; the final state
// leaves the forall.
// CHECK-LABEL: func.func @linear_gated
// CHECK:       scf.forall (%[[B:.+]], %[[H:.+]]) in (1, 2) shared_outs(%{{.+}} = %{{.+}}, %[[FIN:.+]] = %{{.+}}) -> (tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>)
// CHECK:       %[[S0:.+]] = tensor.extract_slice %arg4[%[[B]], %[[H]], 0, 0] [1, 1, 32, 32]
// CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step %{{.+}} iter_args(%[[S:.+]] = %[[S0]], %{{.+}} = %{{.+}}) -> (tensor<32x32xf32>, tensor<64x32xf32>)
// CHECK:         %[[G:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:           arith.cmpi sle
// CHECK:         math.exp
// CHECK:         arith.subf
// CHECK:         math.exp
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%{{.+}} : tensor<?x?xf32>)
// CHECK:           math.exp
// CHECK:           arith.cmpi sle
// CHECK:         linalg.matmul
// CHECK:         linalg.matmul ins(%{{.+}}, %[[S]] : tensor<?x32xf32>, tensor<32x32xf32>)
// CHECK:         %[[SD:.+]] = linalg.generic {{.*}} ins(%[[S]], %{{.+}} : tensor<32x32xf32>, tensor<32xf32>)
// CHECK:           math.exp
// CHECK:         linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<32x?xf32>, tensor<?x32xf32>) outs(%[[SD]] : tensor<32x32xf32>)
// CHECK:       tensor.parallel_insert_slice %{{.+}} into %[[FIN]]
// CHECK-NOT:   tmix.linear_attention
func.func @linear_gated(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %g: tensor<1x2x64x32xf32>, %s: tensor<1x2x32x32xf32>) -> (tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>) {
  %0, %1 = tmix.linear_attention %q, %k, %v decay(%g : tensor<1x2x64x32xf32>) state(%s : tensor<1x2x32x32xf32>) {causal, update_rule = #tmix.update_rule<gated>} : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>
  return %0, %1 : tensor<1x2x64x32xf32>, tensor<1x2x32x32xf32>
}

// -----

// Delta rule with GQA (4 query heads on 2 kv heads): the written values
// solve a triangular system inside each chunk, one row per scf.for step
// (strictly lower key-key scores times the rows already solved); every
// query head computes its group's state, and the final state keeps the
// first head of each group (a strided slice).
// CHECK-LABEL: func.func @linear_delta
// CHECK:       %[[ALL:.+]]:2 = scf.forall (%{{.+}}, %[[H:.+]]) in (1, 4)
// CHECK:       scf.for
// CHECK:         arith.cmpi sle
// CHECK:         arith.subf
// CHECK:         arith.mulf
// CHECK:         arith.cmpi slt
// CHECK:         scf.for
// CHECK:           linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<1x?xf32>, tensor<?x16xf32>) outs(%{{.+}} : tensor<1x16xf32>)
// CHECK:           tensor.insert_slice
// CHECK:       tensor.extract_slice %[[ALL]]#1[0, 0, 0, 0] [1, 2, 32, 16] [1, 2, 1, 1] : tensor<1x4x32x16xf32> to tensor<1x2x32x16xf32>
// CHECK-NOT:   tmix.linear_attention
func.func @linear_delta(%q: tensor<1x4x40x32xf32>, %k: tensor<1x2x40x32xf32>, %v: tensor<1x2x40x16xf32>, %b: tensor<1x2x40xf32>) -> (tensor<1x4x40x16xf32>, tensor<1x2x32x16xf32>) {
  %0, %1 = tmix.linear_attention %q, %k, %v beta(%b : tensor<1x2x40xf32>) {causal, update_rule = #tmix.update_rule<delta>} : tensor<1x4x40x32xf32>, tensor<1x2x40x32xf32>, tensor<1x2x40x16xf32> -> tensor<1x4x40x16xf32>, tensor<1x2x32x16xf32>
  return %0, %1 : tensor<1x4x40x16xf32>, tensor<1x2x32x16xf32>
}

// -----

// Left alone: dynamic shapes (a dynamic batch, a dynamic mask, a dynamic
// pooled length) are left for tmix-decompose.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK:       tmix.attention %arg0, %arg1, %arg2 : tensor<?x2x64x32xf32>
// CHECK-NOT:   scf.forall
func.func @dynamic_batch(%q: tensor<?x2x64x32xf32>, %k: tensor<?x2x64x32xf32>, %v: tensor<?x2x64x32xf32>) -> tensor<?x2x64x32xf32> {
  %0 = tmix.attention %q, %k, %v : tensor<?x2x64x32xf32>, tensor<?x2x64x32xf32>, tensor<?x2x64x32xf32> -> tensor<?x2x64x32xf32>
  return %0 : tensor<?x2x64x32xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_mask
// CHECK:       tmix.sigmoid_attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<?x64xi1>)
// CHECK-NOT:   scf.forall
func.func @dynamic_mask(%q: tensor<1x2x64x32xf32>, %k: tensor<1x2x64x32xf32>, %v: tensor<1x2x64x32xf32>, %m: tensor<?x64xi1>) -> tensor<1x2x64x32xf32> {
  %0 = tmix.sigmoid_attention %q, %k, %v mask(%m : tensor<?x64xi1>) : tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32>, tensor<1x2x64x32xf32> -> tensor<1x2x64x32xf32>
  return %0 : tensor<1x2x64x32xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic_pool
// CHECK:       tmix.pool_mixer %arg0 : tensor<1x2x?x8xf32>
// CHECK-NOT:   scf.for
func.func @dynamic_pool(%x: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %0 = tmix.pool_mixer %x : tensor<1x2x?x8xf32>
  return %0 : tensor<1x2x?x8xf32>
}
