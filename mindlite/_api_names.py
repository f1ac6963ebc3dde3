"""The public names MindSpore 2.x documents per module (API docs of the 2.0-2.5 releases, the
names of its model zoo), so that a name mindlite does not implement raises an AttributeError that
says so instead of a bare "has no attribute" (`missing_attribute`), and so tests and reports can
list what is still missing (`unimplemented`).
"""
from __future__ import annotations

import importlib
from typing import Any

# module key -> whitespace-separated MindSpore names ("Tensor" lists Tensor methods and properties)
_NAMES = {
    "mindlite": """
        amp async_ckpt_thread_status bfloat16 bool_ build_searched_strategy build_train_network byte Callback
        CheckpointConfig ckpt_to_safetensors common communication complex128 complex64
        connect_network_with_dataset constexpr context convert_model ConvertModelUtils ConvertNetUtils COOTensor
        CSRTensor data_sink dataset DatasetHelper double dtype dtype_to_nptype dtype_to_pytype
        DynamicLossScaleManager EarlyStopping enable_dynamic experimental export FixedLossScaleManager float
        float16 float32 float64 float_ from_numpy Generator get_algo_parameters get_auto_parallel_context
        get_ckpt_path_with_strategy get_context get_current_device get_grad get_level get_log_config
        get_ps_context get_py_obj_dtype get_rng_state get_seed grad GRAPH_MODE half History initial_seed int16
        int32 int64 int8 int_ intc intp is_tensor issubclass_ jacfwd jacrev jit jit_class JitConfig jvp
        LambdaCallback lazy_inline LearningRateScheduler list_ load load_checkpoint load_checkpoint_async
        load_distributed_checkpoint load_mindir load_obf_params_into_net load_param_into_net log long
        LossMonitor LossScaleManager manual_seed merge_sliced_parameter mindrecord Model ModelCheckpoint
        ms_class ms_function ms_memory_recycle mutable nn no_inline number numpy obfuscate_ckpt onnx ops
        parallel ParallelMode Parameter ParameterTuple parse_print Profiler profiler PYNATIVE_MODE
        pytype_to_dtype QuantDtype recompute ReduceLROnPlateau reset_algo_parameters reset_auto_parallel_context
        reset_ps_context restore_group_info_list RowTensor run_check RunContext safetensors_to_ckpt
        save_checkpoint save_mindir saved_tensors_hooks seed set_algo_parameters set_auto_parallel_context
        set_context set_deterministic set_device set_dump set_ps_context set_recursion_limit set_rng_state
        set_seed short single SparseTensor string SummaryLandscape Symbol Tensor
        tensor tensor_type TimeMonitor train tuple_ type_none ubyte uint uint16 uint32 uint64 uint8 uintc uintp
        ushort value_and_grad vjp vmap
    """,
    "ops": """
        Abs abs absolute accumulate_n AccumulateNV2 ACos acos acosh Acosh Adam AdamNoUpdateParam AdamWeightDecay
        adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d
        AdaptiveAvgPool2D AdaptiveAvgPool3D AdaptiveMaxPool2D AdaptiveMaxPool3D Add add add_flags addbmm Addcdiv
        addcdiv addcmul Addcmul addmm addmv AddN addn addr adjoint AdjustHue AdjustSaturation affine_grid
        AffineGrid AiCPURegOp all AllGather AllGatherV AllReduce AlltoAll AlltoAllV amax amin aminmax Angle
        angle any ApplyAdadelta ApplyAdagrad ApplyAdagradDA ApplyAdagradV2 ApplyAdaMax ApplyAdamWithAmsgradV2
        ApplyAddSign ApplyCenteredRMSProp ApplyFtrl ApplyGradientDescent ApplyMomentum ApplyPowerSign
        ApplyProximalAdagrad ApplyProximalGradientDescent ApplyRMSProp approximate_equal ApproximateEqual arange
        arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax Argmax ArgMaxWithValue argmin Argmin
        ArgMinWithValue argsort argwhere Asin asin Asinh asinh Assert assign Assign assign_add assign_sub
        AssignAdd AssignSub Atan atan Atan2 atan2 atanh Atanh atleast_1d atleast_2d atleast_3d avg_pool1d
        avg_pool2d avg_pool3d AvgPool AvgPool3D baddbmm Barrier bartlett_window BartlettWindow BasicLSTMCell
        batch_dot batch_norm batch_to_space_nd BatchMatMul BatchNorm BatchToSpace BatchToSpaceND
        BCEWithLogitsLoss bernoulli Bernoulli bessel_i0 bessel_i0e bessel_i1 bessel_i1e bessel_j0 bessel_j1
        bessel_k0 bessel_k0e bessel_k1 bessel_k1e bessel_y0 bessel_y1 BesselI0 BesselI0e BesselI1 BesselI1e
        BesselJ0 BesselJ1 BesselK0 BesselK0e BesselK1 BesselK1e BesselY0 BesselY1 Betainc bias_add BiasAdd
        bidense binary_cross_entropy binary_cross_entropy_with_logits BinaryCrossEntropy Bincount bincount
        bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor BitwiseAnd BitwiseOr
        BitwiseXor blackman_window BlackmanWindow block_diag bmm bounding_box_decode bounding_box_encode
        BoundingBoxDecode BoundingBoxEncode Broadcast broadcast_to BroadcastTo bucketize Bucketize Cast cast cat
        Cauchy Cdist cdist ceil Ceil celu CeLU channel_shuffle ChannelShuffle check_valid CheckBprop
        CheckNumerics CheckValid choice_with_mask Cholesky cholesky cholesky_solve CholeskyInverse CholeskySolve
        chunk clamp clip clip_by_global_norm clip_by_norm clip_by_value Coalesce Col2Im col2im CollectiveGather
        CollectiveScatter column_stack combinations CombinedNonMaxSuppression CompareAndBitpack Complex
        ComplexAbs composite ComputeAccidentalHits concat Concat cond Conj conj ConjugateTranspose constexpr
        conv1d conv2d Conv2D Conv2DBackpropInput Conv2DTranspose conv3d Conv3D Conv3DTranspose coo_abs coo_acos
        coo_acosh coo_add coo_asin coo_asinh coo_atan coo_atanh coo_ceil coo_concat coo_cos coo_cosh coo_exp
        coo_expm1 coo_floor coo_inv coo_isfinite coo_isinf coo_isnan coo_log coo_log1p coo_neg coo_relu
        coo_relu6 coo_round coo_sigmoid coo_sin coo_sinh coo_softsign coo_sqrt coo_square coo_tan coo_tanh
        copysign cos Cos Cosh cosh cosine_embedding_loss cosine_similarity count_nonzero cov crop_and_resize
        CropAndResize cross Cross cross_entropy csr_abs csr_acos csr_acosh csr_add csr_asin csr_asinh csr_atan
        csr_atanh csr_ceil csr_cos csr_cosh csr_exp csr_expm1 csr_floor csr_inv csr_isfinite csr_isinf csr_isnan
        csr_log csr_log1p csr_mm csr_neg csr_relu csr_relu6 csr_round csr_sigmoid csr_sin csr_sinh csr_softmax
        csr_softsign csr_sqrt csr_square csr_tan csr_tanh csr_to_coo ctc_greedy_decoder ctc_loss
        CTCGreedyDecoder CTCLoss CTCLossV2 Cummax cummax cummin Cummin CumProd cumprod CumSum cumsum
        CumulativeLogsumexp Custom custom_info_register CustomOpBuilder CustomRegOp DataFormatDimMap
        DataFormatVecPermute DataType deepcopy deformable_conv2d deg2rad Dense dense dense_to_sparse_coo
        dense_to_sparse_csr Depend depend DepthToSpace DepthwiseConv2dNative derivative Diag diag diag_embed
        diagflat diagonal diagonal_scatter DiagPart diff digamma Digamma Dilation2D dist Div div divide DivNoNan
        dot Dropout dropout dropout1d dropout2d Dropout2D Dropout3D dropout3d DropoutDoMask DropoutGenMask
        dsplit dstack DType dyn_shape DynamicGRUV2 DynamicRNN DynamicShape EditDistance Eig eigvals Einsum
        einsum Elu elu embedding EmbeddingLookup Eps eps eq Equal equal EqualCount erf Erf erfc Erfc Erfinv
        erfinv EuclideanNorm Exp exp exp2 Expand expand_dims ExpandDims Expm1 expm1 ExtractGlimpse
        ExtractVolumePatches eye Eye fast_gelu FastGeLU FFTWithSize Fill fill FillDiagonal FillV2 flatten
        Flatten flip fliplr flipud float_power FloatStatus Floor floor floor_div floor_divide floor_mod FloorDiv
        FloorMod fmax Fmax fmod fold ForiLoop frac fractional_max_pool3d FractionalAvgPool FractionalMaxPool
        FractionalMaxPool3DWithFixedKsize FractionalMaxPoolWithFixedKsize full full_like function functional
        FusedCastAdamWeightDecay FusedSparseAdam FusedSparseFtrl FusedSparseLazyAdam FusedSparseProximalAdagrad
        FusedWeightScaleApplyMomentum gamma Gamma Gather gather gather_d gather_elements gather_nd GatherD
        GatherNd GatherV2 gaussian_nll_loss gcd Gcd ge gelu Gelu GeLU geqrf Geqrf Ger ger get_vm_impl_fn GetNext
        glu GLU grad GradOperation greater Greater greater_equal GreaterEqual grid_sample GridSampler2D
        GridSampler3D group_norm gt gumbel_softmax hamming_window HammingWindow hann_window hardshrink
        hardsigmoid hardswish hardtanh Heaviside heaviside hinge_embedding_loss histc Histogram
        HistogramFixedWidth HookBackward HShrink HSigmoid hsplit hstack HSVToRGB HSwish
        huber_loss HyperMap hypot Hypot i0 Identity identity IdentityN igamma Igamma Igammac igammac Im2Col imag
        Imag index_add index_fill index_select IndexAdd IndexFill IndexPut inner inplace_add
        inplace_index_add inplace_sub inplace_update InplaceAdd InplaceIndexAdd InplaceSub InplaceUpdate
        InplaceUpdateV2 InsertGradientOf interpolate InTopK intopk inv Inv inverse invert Invert
        InvertPermutation IOU iou is_complex is_floating_point is_nonzero is_tensor IsClose isclose isfinite
        IsFinite isinf IsInf IsInstance IsNan isnan isneginf isposinf isreal IsSubClass jacfwd jacrev jet jvp
        kaiser_window kernel kl_div KLDivLoss kron l1_loss L2Loss L2Normalize laplace LARSUpdate layer_norm
        LayerNorm Lcm lcm ldexp le leaky_relu LeftShift Lerp lerp Less less less_equal LessEqual Lgamma linspace
        LinSpace ListDiff Log log log10 Log1p log1p log2 log_softmax log_uniform_candidate_sampler logaddexp
        logaddexp2 logcumsumexp logdet logical_and logical_not logical_or logical_xor LogicalAnd LogicalNot
        LogicalOr LogicalXor logit Logit LogMatrixDeterminant LogNormalReverse logsigmoid LogSoftmax logspace
        LogSpace logsumexp LogUniformCandidateSampler LowerBound lp_pool1d lp_pool2d LpNorm lrn LRN LSTM Lstsq
        lt lu_solve lu_unpack LuSolve LuUnpack Map margin_ranking_loss masked_fill masked_select MaskedFill
        MaskedScatter MaskedSelect MatMul matmul matrix_band_part matrix_diag matrix_diag_part matrix_set_diag
        matrix_solve MatrixBandPart MatrixDeterminant MatrixDiagPartV3 MatrixDiagV3 MatrixExp MatrixInverse
        MatrixLogarithm MatrixPower MatrixSetDiagV3 MatrixSolve MatrixTriangularSolve max max_pool2d max_pool3d
        max_unpool1d max_unpool2d max_unpool3d Maximum maximum MaxPool MaxPool3D MaxPool3DWithArgmax
        MaxPoolWithArgmax MaxUnpool2D MaxUnpool3D mean Median median meshgrid Meshgrid min Minimum minimum
        MirrorPad Mish mish mm Mod Morph moveaxis movedim ms_kernel mse_loss msort mul Mul MulNoNan
        multi_margin_loss multilabel_margin_loss multilabel_soft_margin_loss MultilabelMarginLoss
        MultiMarginLoss multinomial Multinomial multinomial_with_replacement MultinomialWithReplacement multiply
        MultitypeFuncGraph mv Mvlgamma mvlgamma nan_to_num nanmean nanmedian nansum NanToNum narrow ne Neg neg
        negative NeighborExchange NeighborExchangeV2 NextAfter nextafter nll_loss NLLLoss NMSWithMask
        NonDeterministicInts NonMaxSuppressionV3 NonMaxSuppressionWithOverlaps NonZero nonzero NoRepeatNGram
        norm normal not_equal NotEqual NPUAllocFloatStatus NPUClearFloatStatus NPUGetFloatStatus NthElement
        numel one_hot OneHot ones Ones ones_like OnesLike op_info_register operations orgqr Orgqr ormqr outer P
        Pack pad Pad padding Padding PadV3 ParallelConcat ParameterizedTruncatedNormal Partial partial pdist
        Pdist permute pinv pixel_shuffle pixel_unshuffle Poisson polar Polar polygamma Polygamma
        population_count PopulationCount positive Pow pow pows prelu PReLU prim_attr_register Primitive
        primitive PrimitiveWithCheck PrimitiveWithInfer Print print_ prod Pull Push Qr rad2deg RaggedRange rand
        rand_like randint randint_like randn randn_like random_categorical random_gamma random_poisson
        RandomCategorical RandomChoiceWithMask RandomGamma RandomPoisson RandomShuffle Randperm randperm
        RandpermV2 Range range rank Rank ravel real Real RealDiv Receive reciprocal Reciprocal Reduce
        reduce_mean reduce_sum ReduceAll ReduceAny ReduceMax ReduceMean ReduceMin ReduceOp ReduceProd
        ReduceScatter ReduceScatterV ReduceStd ReduceSum relu ReLU ReLU6 relu6 ReLUV2 remainder Renorm renorm
        repeat_elements repeat_interleave reshape Reshape ResizeArea ResizeBicubic ResizeBilinear
        ResizeBilinearV2 ResizeLinear1D ResizeNearestNeighbor ResizeNearestNeighborV2 reverse reverse_sequence
        ReverseSequence ReverseV2 RGBToHSV RightShift Rint rms_norm RNNTLoss ROIAlign roll Roll rot90 Round
        round row_stack rrelu rsqrt Rsqrt SameTypeShape SampleDistortedBoundingBoxV2 scalar_cast
        scalar_to_tensor ScalarCast ScalarToArray ScalarToTensor ScaleAndTranslate Scan scatter
        scatter_add scatter_div scatter_max scatter_min scatter_mul scatter_nd scatter_nd_add scatter_nd_div
        scatter_nd_max scatter_nd_min scatter_nd_mul scatter_nd_sub scatter_update ScatterAdd ScatterAddWithAxis
        ScatterDiv ScatterMax ScatterMin ScatterMul ScatterNd ScatterNdAdd ScatterNdDiv ScatterNdMax
        ScatterNdMin ScatterNdMul ScatterNdSub ScatterNdUpdate ScatterNonAliasingAdd ScatterSub ScatterUpdate
        searchsorted SearchSorted SegmentMax SegmentMean SegmentMin SegmentProd SegmentSum select Select
        select_scatter selu SeLU Send sequence_mask SGD sgn Shape shape shuffle Sigmoid sigmoid
        SigmoidCrossEntropyWithLogits Sign sign signbit silu sin Sin Sinc sinc Sinh sinh size Size slice Slice
        slice_scatter slogdet smooth_l1_loss SmoothL1Loss soft_margin_loss SoftMarginLoss softmax Softmax
        SoftmaxCrossEntropyWithLogits softmin Softplus softshrink SoftShrink softsign Softsign sort Sort
        space_to_batch_nd SpaceToBatch SpaceToBatchND SpaceToDepth sparse_segment_mean SparseApplyAdagrad
        SparseApplyAdagradV2 SparseApplyFtrl SparseApplyFtrlV2 SparseApplyProximalAdagrad SparseGatherV2
        SparseSlice SparseSoftmaxCrossEntropyWithLogits SparseTensorDenseAdd SparseTensorDenseMatmul
        SparseToDense Split split SplitV sqrt Sqrt Square square SquaredDifference SquareSumAll Squeeze squeeze
        Stack stack standard_laplace standard_normal StandardLaplace StandardNormal std std_mean STFT
        stop_gradient StopGradient strided_slice StridedSlice sub Sub subtract sum Svd svd swapaxes swapdims t
        tan Tan Tanh tanh tanhshrink TBERegOp tensor_add tensor_dot tensor_scatter_add tensor_scatter_div
        tensor_scatter_elements tensor_scatter_max tensor_scatter_min tensor_scatter_mul tensor_scatter_sub
        tensor_split TensorDump TensorScatterAdd TensorScatterDiv TensorScatterMax TensorScatterMin
        TensorScatterMul TensorScatterSub TensorScatterUpdate TensorShape threshold Tile tile TopK
        topk trace Trace Transpose transpose trapz TridiagonalMatMul Tril tril tril_indices TrilIndices
        triplet_margin_loss TripletMarginLoss Triu triu triu_indices TriuIndices true_divide Trunc trunc
        truncate_div truncate_mod TruncateDiv TruncatedNormal TruncateMod tuple_to_array TupleToArray unbind
        unfold uniform uniform_candidate_sampler UniformCandidateSampler UniformInt UniformReal Unique unique
        unique_consecutive unique_with_pad UniqueConsecutive UniqueWithPad UnravelIndex unsorted_segment_max
        unsorted_segment_min unsorted_segment_prod unsorted_segment_sum UnsortedSegmentMax UnsortedSegmentMin
        UnsortedSegmentProd UnsortedSegmentSum unsqueeze unstack Unstack UpperBound upsample UpsampleNearest3D
        UpsampleTrilinear3D value_and_grad vander var var_mean vecdot view_as_real vjp vmap vsplit vstack where
        WhileLoop xdivy Xdivy Xlogy xlogy zeros Zeros zeros_like ZerosLike zeta Zeta
    """,
    "ops.functional": """
        abs absolute accumulate_n acos acosh adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d
        adaptive_max_pool1d adaptive_max_pool2d add add_flags addbmm addcdiv addcmul addmm addmv addn addr
        adjoint affine_grid all amax amin aminmax angle any approximate_equal arange arccos arccosh arcsin
        arcsinh arctan arctan2 arctanh argmax argmin argsort argwhere asin asinh assign assign_add assign_sub
        atan atan2 atanh atleast_1d atleast_2d atleast_3d avg_pool1d avg_pool2d avg_pool3d baddbmm
        bartlett_window batch_dot batch_norm batch_to_space_nd bernoulli bessel_i0 bessel_i0e bessel_i1
        bessel_i1e bessel_j0 bessel_j1 bessel_k0 bessel_k0e bessel_k1 bessel_k1e bessel_y0 bessel_y1 bias_add
        bidense binary_cross_entropy binary_cross_entropy_with_logits bincount bitwise_and bitwise_left_shift
        bitwise_or bitwise_right_shift bitwise_xor blackman_window block_diag bmm bounding_box_decode
        bounding_box_encode broadcast_to bucketize cast cat cdist ceil celu channel_shuffle check_valid
        choice_with_mask cholesky cholesky_solve chunk clamp clip clip_by_global_norm clip_by_norm clip_by_value
        col2im column_stack combinations composite concat cond conj constexpr conv1d conv2d conv3d coo_abs
        coo_acos coo_acosh coo_add coo_asin coo_asinh coo_atan coo_atanh coo_ceil coo_concat coo_cos coo_cosh
        coo_exp coo_expm1 coo_floor coo_inv coo_isfinite coo_isinf coo_isnan coo_log coo_log1p coo_neg coo_relu
        coo_relu6 coo_round coo_sigmoid coo_sin coo_sinh coo_softsign coo_sqrt coo_square coo_tan coo_tanh
        copysign cos cosh cosine_embedding_loss cosine_similarity count_nonzero cov crop_and_resize cross
        cross_entropy csr_abs csr_acos csr_acosh csr_add csr_asin csr_asinh csr_atan csr_atanh csr_ceil csr_cos
        csr_cosh csr_exp csr_expm1 csr_floor csr_inv csr_isfinite csr_isinf csr_isnan csr_log csr_log1p csr_mm
        csr_neg csr_relu csr_relu6 csr_round csr_sigmoid csr_sin csr_sinh csr_softmax csr_softsign csr_sqrt
        csr_square csr_tan csr_tanh csr_to_coo ctc_greedy_decoder ctc_loss cummax cummin cumprod cumsum
        custom_info_register deepcopy deformable_conv2d deg2rad dense dense_to_sparse_coo dense_to_sparse_csr
        depend derivative diag diag_embed diagflat diagonal diagonal_scatter diff digamma dist div divide dot
        dropout dropout1d dropout2d dropout3d dsplit dstack dtype dyn_shape eigvals einsum elu embedding eps eq
        equal erf erfc erfinv exp exp2 expand_dims expm1 eye fast_gelu fill flatten flip fliplr flipud
        float_power floor floor_div floor_divide floor_mod fmax fmod fold frac fractional_max_pool3d full
        full_like function functional gamma gather gather_d gather_elements gather_nd gaussian_nll_loss gcd ge
        gelu geqrf ger get_vm_impl_fn glu grad greater greater_equal grid_sample group_norm gt gumbel_softmax
        hamming_window hann_window hardshrink hardsigmoid hardswish hardtanh heaviside hinge_embedding_loss
        histc hsplit hstack huber_loss hypot i0 identity igamma igammac imag index_add index_fill index_select
        inner inplace_add inplace_index_add inplace_sub inplace_update interpolate intopk inv inverse invert iou
        is_complex is_floating_point is_nonzero is_tensor isclose isfinite isinf isnan isneginf isposinf isreal
        jacfwd jacrev jet jvp kaiser_window kernel kl_div kron l1_loss laplace layer_norm lcm ldexp le
        leaky_relu lerp less less_equal linspace log log10 log1p log2 log_softmax log_uniform_candidate_sampler
        logaddexp logaddexp2 logcumsumexp logdet logical_and logical_not logical_or logical_xor logit logsigmoid
        logspace logsumexp lp_pool1d lp_pool2d lrn lt lu_solve lu_unpack make_range margin_ranking_loss
        masked_fill masked_select matmul matrix_band_part matrix_diag matrix_diag_part matrix_set_diag
        matrix_solve max max_pool2d max_pool3d max_unpool1d max_unpool2d max_unpool3d maximum mean median
        meshgrid min minimum mish mixed_precision_cast mm moveaxis movedim ms_kernel mse_loss msort mul
        multi_margin_loss multilabel_margin_loss multilabel_soft_margin_loss multinomial
        multinomial_with_replacement multiply mv mvlgamma nan_to_num nanmean nanmedian nansum narrow ne neg
        neg_tensor negative nextafter nll_loss nonzero norm normal not_equal numel one_hot ones ones_like
        op_info_register operations orgqr ormqr outer pad padding partial pdist permute pinv pixel_shuffle
        pixel_unshuffle polar polygamma population_count positive pow pows prelu prim_attr_register primitive
        print_ prod rad2deg rand rand_like randint randint_like randn randn_like random_categorical random_gamma
        random_poisson randperm range rank ravel real reciprocal reduce_mean reduce_sum relu relu6 remainder
        renorm repeat_elements repeat_interleave reshape reverse reverse_sequence rms_norm roll rot90 round
        row_stack rrelu rsqrt scalar_cast scalar_to_array scalar_to_tensor scatter scatter_add scatter_div
        scatter_max scatter_min scatter_mul scatter_nd scatter_nd_add scatter_nd_div scatter_nd_max
        scatter_nd_min scatter_nd_mul scatter_nd_sub scatter_update searchsorted select select_scatter selu
        sequence_mask sgn shape shuffle sigmoid sign signbit silu sin sinc sinh size slice slice_scatter slogdet
        smooth_l1_loss soft_margin_loss softmax softmin softshrink softsign sort space_to_batch_nd
        sparse_segment_mean split sqrt square squeeze stack standard_laplace standard_normal std std_mean
        stop_gradient strided_slice sub subtract sum svd swapaxes swapdims t tan tanh tanhshrink tensor_add
        tensor_div tensor_dot tensor_floordiv tensor_ge tensor_gt tensor_le tensor_lt tensor_mod tensor_mul
        tensor_pow tensor_scatter_add tensor_scatter_div tensor_scatter_elements tensor_scatter_max
        tensor_scatter_min tensor_scatter_mul tensor_scatter_sub tensor_split tensor_sub threshold tile topk
        trace transpose trapz tril tril_indices triplet_margin_loss triu triu_indices true_divide trunc
        truncate_div truncate_mod tuple_len tuple_to_array unbind unfold uniform uniform_candidate_sampler
        unique unique_consecutive unique_with_pad unsorted_segment_max unsorted_segment_min
        unsorted_segment_prod unsorted_segment_sum unsqueeze unstack upsample value_and_grad vander var var_mean
        vecdot view_as_real vjp vmap vsplit vstack where xdivy xlogy zeros zeros_like zeta
    """,
    "nn": """
        Accuracy Adadelta Adagrad Adam AdaMax AdamOffload AdamWeightDecay AdaptiveAvgPool1d AdaptiveAvgPool2d
        AdaptiveAvgPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d AdaptiveMaxPool3d AdaSumByDeltaWeightWrapCell
        AdaSumByGradWrapCell ASGD auc AvgPool1d AvgPool2d AvgPool3d BatchNorm BatchNorm1d BatchNorm2d
        BatchNorm3d BCELoss BCEWithLogitsLoss BiDense BleuScore Cell CellDict CellList CELU CentralCrop
        ChannelShuffle ClipByNorm ConfusionMatrix ConfusionMatrixMetric ConstantPad1d ConstantPad2d
        ConstantPad3d Conv1d Conv1dTranspose Conv2d Conv2dBnAct Conv2dTranspose Conv3d Conv3dTranspose
        cosine_decay_lr CosineDecayLR CosineEmbeddingLoss CosineSimilarity CrossEntropyLoss CTCLoss Dense
        DenseBnAct Dice DiceLoss DistributedGradReducer Dropout Dropout1d Dropout2d Dropout3d
        DynamicLossScaleUpdateCell ELU Embedding EmbeddingLookup exponential_decay_lr ExponentialDecayLR F1
        FastGelu Fbeta FixedLossScaleUpdateCell Flatten FocalLoss ForwardValueAndGrad FractionalMaxPool3d FTRL
        GaussianNLLLoss GELU get_activation get_metric_fn GetNextSingleOp GlobalBatchNorm GLU
        GradAccumulationCell GraphCell GroupNorm GRU GRUCell Hardtanh HausdorffDistance HingeEmbeddingLoss
        HShrink HSigmoid HSwish HuberLoss Identity ImageGradients InstanceNorm1d InstanceNorm2d InstanceNorm3d
        inverse_decay_lr InverseDecayLR KLDivLoss L1Loss L1Regularizer Lamb LARS LayerNorm LazyAdam LeakyReLU
        LearningRateSchedule Linear LogSigmoid LogSoftmax Loss LossBase LossScaleUpdateCell LPPool1d LPPool2d
        LRN LSTM LSTMCell MAE MAELoss MarginRankingLoss MatMul MatrixDiag MatrixDiagPart MatrixSetDiag MaxPool1d
        MaxPool2d MaxPool3d MaxUnpool1d MaxUnpool2d MaxUnpool3d MeanSurfaceDistance Metric MicroBatchInterleaved
        Mish Moments Momentum MSE MSELoss MSSSIM MultiClassDiceLoss MultiFieldEmbeddingLookup MultiheadAttention
        MultilabelMarginLoss MultiLabelSoftMarginLoss MultiMarginLoss names natural_exp_decay_lr
        NaturalExpDecayLR NLLLoss Norm OcclusionSensitivity OneHot Optimizer OptTFTWrapper Pad ParameterUpdate
        Perplexity piecewise_constant_lr PipelineCell PipelineGradReducer PixelShuffle PixelUnshuffle
        PoissonNLLLoss polynomial_decay_lr PolynomialDecayLR Precision PReLU ProximalAdagrad PSNR Range
        rearrange_inputs Recall ReflectionPad1d ReflectionPad2d ReflectionPad3d ReLU ReLU6 ReplicationPad1d
        ReplicationPad2d ReplicationPad3d ResizeBilinear RMSELoss RMSProp RNN RNNCell ROC Roll
        RootMeanSquareDistance Rprop RReLU SampledSoftmaxLoss SeLU SequentialCell SGD Sigmoid SiLU SmoothL1Loss
        SoftMarginLoss Softmax Softmax2d SoftmaxCrossEntropyWithLogits Softmin SoftShrink Softsign SSIM
        SyncBatchNorm Tanh Tanhshrink thor Threshold TimeDistributed Top1CategoricalAccuracy
        Top5CategoricalAccuracy TopKCategoricalAccuracy TrainOneStepCell TrainOneStepWithLossScaleCell
        Transformer TransformerDecoder TransformerDecoderLayer TransformerEncoder TransformerEncoderLayer Tril
        TripletMarginLoss Triu Unflatten Unfold Upsample utils warmup_lr WarmUpLR WithEvalCell WithGradCell
        WithLossCell ZeroPad2d
    """,
    "dataset": """
        AGNewsDataset AmazonReviewDataset audio BatchDataset BatchInfo Caltech101Dataset Caltech256Dataset
        CelebADataset Cifar100Dataset Cifar10Dataset CityscapesDataset CLUEDataset CMUArcticDataset CocoDataset
        compare config CoNLL2000Dataset context CSVDataset Dataset DatasetCache DBpediaDataset debug deserialize
        DistributedSampler DIV2KDataset ds DSCallback EMnistDataset engine EnWik9Dataset FakeImageDataset
        FashionMnistDataset FlickrDataset Flowers102Dataset Food101Dataset GeneratorDataset GTZANDataset
        ImageFolderDataset ImageFolderDatasetV2 IMDBDataset IWSLT2016Dataset IWSLT2017Dataset KITTIDataset
        KMnistDataset LFWDataset LibriTTSDataset LJSpeechDataset LSUNDataset ManifestDataset MapDataset
        MindDataset MnistDataset Multi30kDataset NumpySlicesDataset OBSMindDataset OmniglotDataset PaddedDataset
        PennTreebankDataset PhotoTourDataset PKSampler Places365Dataset QMnistDataset RandomDataset
        RandomSampler RenderedSST2Dataset RepeatDataset Sampler SBDataset SBUDataset Schema SemeionDataset
        SequentialSampler serialize show Shuffle SogouNewsDataset SpeechCommandsDataset SQuADDataset SST2Dataset
        STL10Dataset SubsetRandomSampler SubsetSampler SUN397Dataset SVHNDataset sync_wait_for_dataset
        TedliumDataset text TextFileDataset TFRecordDataset transforms UDPOSDataset USPSDataset utils vision
        VOCDataset WaitedDSCallback WeightedRandomSampler WIDERFaceDataset WikiTextDataset YahooAnswersDataset
        YelpReviewDataset YesNoDataset
    """,
    "dataset.vision": """
        AdjustBrightness AdjustContrast AdjustGamma AdjustHue AdjustSaturation AdjustSharpness Affine
        AutoAugment AutoAugmentPolicy AutoContrast Border BoundingBoxAugment c_transforms CenterCrop
        ConvertColor ConvertMode Crop CutMixBatch CutOut Decode DecodeVideo encode_jpeg encode_png EncodeJpeg
        EncodePng Equalize Erase FiveCrop GaussianBlur get_image_num_channels get_image_size Grayscale GrayScale
        HorizontalFlip HsvToRgb HWC2CHW ImageBatchFormat ImageReadMode Inter Invert LinearTransformation MixUp
        MixUpBatch Normalize NormalizePad Pad PadToSize Perspective Posterize py_transforms py_transforms_util
        RandAugment RandomAdjustSharpness RandomAffine RandomAutoContrast RandomColor RandomColorAdjust
        RandomCrop RandomCropDecodeResize RandomCropWithBBox RandomEqualize RandomErasing RandomGrayscale
        RandomHorizontalFlip RandomHorizontalFlipWithBBox RandomInvert RandomLighting RandomPerspective
        RandomPosterize RandomResize RandomResizedCrop RandomResizedCropWithBBox RandomResizeWithBBox
        RandomRotation RandomSelectSubpolicy RandomSharpness RandomSolarize RandomVerticalFlip
        RandomVerticalFlipWithBBox read_file read_image read_video read_video_timestamps ReadFile ReadImage
        Rescale Resize ResizedCrop ResizeWithBBox RgbToHsv Rotate SliceMode SlicePatches Solarize TenCrop
        ToNumpy ToPIL ToTensor ToType TrivialAugmentWide UniformAugment utils VerticalFlip write_file write_jpeg
        write_png WriteFile WriteJpeg WritePng
    """,
    "dataset.transforms": """
        c_transforms Compose Concatenate Duplicate Fill Mask OneHot PadEnd py_transforms RandomApply
        RandomChoice RandomOrder Relational Slice TypeCast Unique
    """,
    "dataset.text": """
        AddToken BasicTokenizer BertTokenizer CaseFold CharNGram FastText FilterWikipediaXML GloVe JiebaMode
        JiebaTokenizer Lookup Ngram NormalizeForm NormalizeUTF8 PythonTokenizer RegexReplace RegexTokenizer
        SentencePieceModel SentencePieceTokenizer SentencePieceVocab SlidingWindow SPieceTokenizerLoadType
        SPieceTokenizerOutType to_bytes to_str ToNumber ToVectors Truncate TruncateSequencePair
        UnicodeCharTokenizer UnicodeScriptTokenizer Vectors Vocab WhitespaceTokenizer WordpieceTokenizer
    """,
    "train": """
        Accuracy amp auc BackupAndRestore BleuScore Callback callback CheckpointConfig ConfusionMatrix
        ConfusionMatrixMetric connect_network_with_dataset ConvertModelUtils ConvertNetUtils CosineSimilarity
        dataset_helper DatasetHelper Dice DynamicLossScaleManager EarlyStopping export F1 Fbeta
        FixedLossScaleManager FlopsUtilizationCollector get_metric_fn HausdorffDistance History LambdaCallback
        LearningRateScheduler load load_checkpoint load_param_into_net Loss loss_scale_manager LossMonitor
        LossScaleManager MAE MeanSurfaceDistance Metric metrics model Model ModelCheckpoint MSE names
        OcclusionSensitivity OnRequestExit ParallelMode Perplexity Precision rearrange_inputs Recall
        ReduceLROnPlateau ROC RootMeanSquareDistance RunContext save_checkpoint serialization summary
        TimeMonitor Top1CategoricalAccuracy Top5CategoricalAccuracy TopKCategoricalAccuracy
    """,
    "amp": """
        all_finite auto_mixed_precision build_train_network custom_mixed_precision DynamicLossScaleManager
        DynamicLossScaler FixedLossScaleManager get_black_list get_white_list init_status LossScaleManager
        LossScaler StaticLossScaler
    """,
    "Tensor": """
        abs absolute acos add addbmm addcdiv addcmul addmm addmv addr adjoint all amax amin angle any
        approximate_equal arccos arccosh arcsin arcsinh arctan arctan2 arctanh argmax argmax_with_value argmin
        argmin_with_value argsort argwhere as_strided asin asinh asnumpy assign_value astype atan atan2 atanh
        baddbmm bernoulli bincount bitwise_and bitwise_left_shift bitwise_or bitwise_right_shift bitwise_xor bmm
        bool broadcast_to ceil cholesky cholesky_inverse choose chunk clamp clip clone col2im conj copy copysign
        cos cosh count_nonzero cross cummax cummin cumprod cumsum deg2rad det diag diagflat diagonal digamma div
        divide double dsplit dtype eq equal erf erfc erfinv exp expand expand_as expand_dims expm1 fill fill_
        fills flatten flip fliplr flipud float float_power floor floor_divide flush_from_cache fmod fold
        from_numpy gather gather_elements gather_nd ge ger greater greater_equal gt H half hardshrink has_init
        heaviside hsplit hypot i0 igamma igammac index_add index_fill init_data inner inplace_update int inv
        inverse invert is_complex is_floating_point is_signed isclose isfinite isinf isnan isneginf isposinf
        isreal item itemset itemsize lcm ldexp le lerp less less_equal lgamma log log10 log1p log2
        log_matrix_determinant log_softmax logaddexp logaddexp2 logdet logical_and logical_not logical_or
        logical_xor logit logsumexp long lt masked_fill masked_select matmul matrix_determinant max maximum mean
        median mH min minimum mm msort mT mul multiply nan_to_num narrow nbytes ndim ndimension ne neg negative
        nelement new_ones new_zeros nonzero norm not_equal numel numpy permute positive pow prod ptp rad2deg
        random_categorical ravel real reciprocal relu remainder renorm repeat repeat_interleave reshape
        reshape_as resize reverse reverse_sequence roll rot90 round rsqrt scatter_add scatter_div scatter_max
        scatter_min scatter_mul scatter_sub searchsorted select set_const_arg sgn shape short sigmoid sign
        signbit sin sinc size slogdet soft_shrink softmax sort split sqrt square squeeze std strides sub
        subtract sum sum_to_size svd swapaxes T t take tan tanh tensor_split tile to to_coo to_csr to_tensor
        top_k topk trace transpose tril triu true_divide unbind unfold unique unique_consecutive unique_with_pad
        unsorted_segment_max unsorted_segment_min unsorted_segment_prod unsqueeze var view view_as vsplit where
        xdivy xlogy zero_
    """,
}

MODULES = {"mindlite": "mindlite", "ops": "mindlite.ops", "ops.functional": "mindlite.ops.functional",
           "nn": "mindlite.nn", "dataset": "mindlite.dataset", "dataset.vision": "mindlite.dataset.vision",
           "dataset.transforms": "mindlite.dataset.transforms", "dataset.text": "mindlite.dataset.text",
           "train": "mindlite.train", "amp": "mindlite.amp"}
_CACHE: dict = {}


def mindspore_names(key: str) -> frozenset:
    """The MindSpore public names of module `key` ("ops", "nn", "dataset.vision", "Tensor", ...)."""
    if key not in _CACHE:
        _CACHE[key] = frozenset(_NAMES[key].split())
    return _CACHE[key]


def missing_attribute(module: str, name: str, key: str) -> AttributeError:
    """The AttributeError for `module.name`: it says when `name` is a MindSpore API name mindlite
    does not implement. Raise it from the module's `__getattr__`."""
    if not name.startswith("__") and name in mindspore_names(key):
        err = AttributeError(f"{module} has no {name!r}: not implemented in mindlite (MindSpore API name)")
    else:
        err = AttributeError(f"module {module!r} has no attribute {name!r}")
    err.name, err.obj = name, module
    return err


def unimplemented(key: str) -> list:
    """MindSpore names of module `key` that mindlite's module (or Tensor) lacks, sorted."""
    if key == "Tensor":
        owner: Any = importlib.import_module("mindlite").Tensor
    else:
        owner = importlib.import_module(MODULES[key])
    return sorted((n for n in mindspore_names(key) if not _has(owner, n)), key=str.lower)


def _has(owner: Any, name: str) -> bool:
    try:
        getattr(owner, name)
    except AttributeError:
        return False
    return True
